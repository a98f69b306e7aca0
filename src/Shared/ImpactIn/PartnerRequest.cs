namespace Impact.Shared.ImpactIn;

/// <summary>One delivery to send.</summary>
/// <param name="Platform">The partner platform.</param>
/// <param name="Payload">The exact body.</param>
/// <param name="IdempotencyKey">Sent as <c>Idempotency-Key</c>; the same on every attempt and replay.</param>
public sealed record PartnerRequest(string Platform, string Payload, string IdempotencyKey);
