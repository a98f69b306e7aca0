namespace Impact.Shared.Webhooks;

/// <summary>
/// The statuses of a row of <c>impact.webhook_deliveries</c> (the CHECK constraint of its <c>status</c>
/// column lists the same set). SQL names them in place; C# uses these constants.
/// </summary>
public static class WebhookDeliveryStatus
{
    /// <summary>Stored, not yet on the queue (the outbox sweeper enqueues it).</summary>
    public const string Received = "received";

    /// <summary>On the ingest queue.</summary>
    public const string Queued = "queued";

    /// <summary>Its change and event are committed.</summary>
    public const string Processed = "processed";

    /// <summary>The last attempt failed; the queue retries it.</summary>
    public const string Failed = "failed";

    /// <summary>The queue gave up on it; it waits for an operator.</summary>
    public const string DeadLettered = "dead_lettered";

    /// <summary>An operator discarded the dead letter.</summary>
    public const string Discarded = "discarded";

    /// <summary>All statuses.</summary>
    public static readonly IReadOnlyList<string> All = [Received, Queued, Processed, Failed, DeadLettered, Discarded];
}
