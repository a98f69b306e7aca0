namespace Impact.Shared.ImpactIn;

/// <summary>What one scheduler tick found.</summary>
/// <param name="Claimed">Due schedules claimed (and advanced).</param>
/// <param name="Created">Deliveries created by this tick (a period already delivered creates none).</param>
/// <param name="Stale">Deliveries still pending long after their start was requested (the start may have been lost), now taken over by this tick.</param>
public sealed record ClaimResult(int Claimed, IReadOnlyList<DeliveryStart> Created, IReadOnlyList<DeliveryStart> Stale);
