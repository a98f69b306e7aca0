namespace Impact.Shared.ImpactIn;

/// <summary>A delivery whose orchestration should run.</summary>
/// <param name="DeliveryId">The delivery.</param>
/// <param name="InstanceId">The orchestration instance id (deterministic: starting it twice starts it once).</param>
public sealed record DeliveryStart(Guid DeliveryId, string InstanceId);
