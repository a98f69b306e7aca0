namespace Impact.Ingest.ImpactIn;

/// <summary>What one tick did.</summary>
public sealed record SchedulerTick(int Claimed, int Created, int Started);
