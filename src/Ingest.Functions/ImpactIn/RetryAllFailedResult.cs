using Impact.Shared.ImpactIn;

namespace Impact.Ingest.ImpactIn;

/// <summary>The answer of retry-all-failed: the deliveries queued again with their new orchestration instances.</summary>
public sealed record RetryAllFailedResult(int Queued, IReadOnlyList<DeliveryStart> Deliveries);
