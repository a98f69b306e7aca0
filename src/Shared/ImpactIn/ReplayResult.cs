namespace Impact.Shared.ImpactIn;

/// <summary>Outcome of asking to replay one delivery.</summary>
/// <param name="DeliveryId">The delivery.</param>
/// <param name="Result">Queued, or why not.</param>
/// <param name="InstanceId">The new orchestration instance, when queued.</param>
/// <param name="Status">The delivery's status when it was not replayed.</param>
public sealed record ReplayResult(Guid DeliveryId, ReplayOutcome Result, string? InstanceId, string? Status);
