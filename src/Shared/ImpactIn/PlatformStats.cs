namespace Impact.Shared.ImpactIn;

/// <summary>Delivery figures of one platform.</summary>
/// <param name="Platform">The platform.</param>
/// <param name="Count">Deliveries.</param>
/// <param name="Succeeded">Succeeded.</param>
/// <param name="Failed">Failed.</param>
/// <param name="InProgress">Pending or delivering.</param>
/// <param name="SuccessRate">Succeeded / (succeeded + failed); null before any finished.</param>
/// <param name="MeanAttempts">Mean attempts of finished deliveries; null before any finished.</param>
public sealed record PlatformStats(string Platform, int Count, int Succeeded, int Failed, int InProgress, double? SuccessRate, double? MeanAttempts);
