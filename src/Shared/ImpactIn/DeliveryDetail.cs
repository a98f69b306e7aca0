using System.Text.Json;

namespace Impact.Shared.ImpactIn;

/// <summary>A delivery with its payload and attempts.</summary>
/// <param name="Delivery">The delivery.</param>
/// <param name="Payload">The body sent (null until built).</param>
/// <param name="Attempts">Every attempt, oldest first.</param>
public sealed record DeliveryDetail(Delivery Delivery, JsonElement? Payload, IReadOnlyList<DeliveryAttempt> Attempts);
