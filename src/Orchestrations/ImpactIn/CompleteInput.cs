namespace Impact.Orchestrations.ImpactIn;

/// <summary>The final word on a delivery run.</summary>
public sealed record CompleteInput(Guid DeliveryId, string InstanceId, bool Succeeded, string? Error);
