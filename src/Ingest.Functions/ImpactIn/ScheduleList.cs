using Impact.Shared.ImpactIn;

namespace Impact.Ingest.ImpactIn;

/// <summary>The answer of <c>GET /v1/impact-in/schedules</c>.</summary>
public sealed record ScheduleList(IReadOnlyList<DeliverySchedule> Items);
