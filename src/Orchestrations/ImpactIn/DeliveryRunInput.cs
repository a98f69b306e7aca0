namespace Impact.Orchestrations.ImpactIn;

/// <summary>Input of one delivery run. The retry policy travels in the input so replays of the history stay deterministic.</summary>
public sealed record DeliveryRunInput(Guid DeliveryId, int MaxAttempts, TimeSpan BackoffBase, double BackoffFactor);
