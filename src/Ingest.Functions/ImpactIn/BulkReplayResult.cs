using Impact.Shared.ImpactIn;

namespace Impact.Ingest.ImpactIn;

/// <summary>The answer of a bulk replay: how many were queued, and per id what happened.</summary>
public sealed record BulkReplayResult(int Queued, IReadOnlyList<ReplayResult> Results);
