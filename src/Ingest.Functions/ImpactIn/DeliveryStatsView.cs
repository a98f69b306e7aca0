using Impact.Shared.ImpactIn;

namespace Impact.Ingest.ImpactIn;

/// <summary>The answer of <c>GET /v1/impact-in/stats</c>: figures per platform.</summary>
public sealed record DeliveryStatsView(IReadOnlyList<PlatformStats> Platforms);
