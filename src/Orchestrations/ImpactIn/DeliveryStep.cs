namespace Impact.Orchestrations.ImpactIn;

/// <summary>A delivery and the orchestration instance working on it.</summary>
public sealed record DeliveryStep(Guid DeliveryId, string InstanceId);
