namespace Impact.Ingest.ImpactIn;

/// <summary>Body of <c>POST /v1/impact-in/deliveries/bulk-replay</c>.</summary>
public sealed record BulkReplayRequest(IReadOnlyList<Guid>? Ids);
