namespace Impact.Shared.Webhooks;

/// <summary>The answer to an accepted webhook.</summary>
/// <param name="DeliveryId">The partner's delivery id.</param>
/// <param name="Status"><see cref="WebhookDeliveryStatus.Queued"/> for a new delivery, <see cref="Duplicate"/> for a repeat.</param>
public sealed record WebhookAccepted(string DeliveryId, string Status)
{
    /// <summary>The answer's status for a delivery id seen before with the same payload.</summary>
    public const string Duplicate = "duplicate";
}
