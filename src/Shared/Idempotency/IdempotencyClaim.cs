namespace Impact.Shared.Idempotency;

/// <summary>What <see cref="IdempotencyKeys.ClaimAsync"/> found for a key.</summary>
/// <param name="Id">The key's row.</param>
/// <param name="Claimed">True when this request holds the key now and runs; false when an earlier request did.</param>
/// <param name="Status">The row's <see cref="IdempotencyStatus"/>.</param>
/// <param name="RequestHash">The earlier request's hash (null while it runs).</param>
/// <param name="Response">The earlier request's answer (null while it runs).</param>
public sealed record IdempotencyClaim(long Id, bool Claimed, string Status, string? RequestHash, StoredResponse? Response);
