namespace Impact.Shared.Webhooks;

/// <summary>The outcome of checking a webhook's signature.</summary>
/// <param name="Valid">Whether one of the active secrets signed these exact bytes within the tolerance.</param>
/// <param name="DeliveryId">The partner's delivery id (<c>X-Delivery-Id</c> or <c>webhook-id</c>), when present.</param>
/// <param name="Failure">Why it is not valid.</param>
/// <param name="Detail">The reason in words safe to return to the caller (never a secret or signature).</param>
public readonly record struct SignatureCheck(bool Valid, string? DeliveryId, SignatureFailure Failure, string? Detail = null);
