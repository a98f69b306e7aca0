namespace Impact.Shared.Webhooks;

/// <summary>
/// Processing a delivery failed for a reason that is not a transient database error, and the failure is
/// recorded on its row: <see cref="Status"/> is <c>failed</c> (the queue tries it again) or
/// <c>dead_lettered</c> (it used up <see cref="WebhookOptions.MaxAttempts"/>, or was dead-lettered already).
/// </summary>
public sealed class DeliveryFailedException(string deliveryId, string status, int attempts, Exception cause)
    : Exception($"Delivery {deliveryId} failed (attempt {attempts}, now {status}): {cause.Message}", cause)
{
    /// <summary>The partner's delivery id.</summary>
    public string DeliveryId { get; } = deliveryId;

    /// <summary>The row's status after the failure was recorded.</summary>
    public string Status { get; } = status;

    /// <summary>The row's attempts after the failure was recorded.</summary>
    public int Attempts { get; } = attempts;
}
