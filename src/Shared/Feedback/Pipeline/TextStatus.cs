namespace Impact.Shared.Feedback.Pipeline;

/// <summary>The states of <c>impact.texts.status</c>.</summary>
public static class TextStatus
{
    /// <summary>Stored, not yet on the queue (the outbox sweeper queues it).</summary>
    public const string Received = "received";
    /// <summary>Its id is on the text-screening queue.</summary>
    public const string Queued = "queued";
    /// <summary>Screened (below HIGH) and its language detected; classification comes next.</summary>
    public const string Screened = "screened";
    /// <summary>Screening rated it HIGH: waits for a reviewer and is never classified before release.</summary>
    public const string Held = "held";
    /// <summary>A reviewer approved a held text: it is classified once.</summary>
    public const string Released = "released";
    /// <summary>
    /// A paid classification was refused by the company's rate limit or monthly budget: waits until <c>retry_at</c>, then the
    /// outbox sweeper queues it again (an operator raising the budget makes it due at once). Never unscored for that reason.
    /// </summary>
    public const string Deferred = "deferred";
    /// <summary>Outcome scores stored.</summary>
    public const string Classified = "classified";
    /// <summary>The classifier could not score it (provider failure or invalid answers): no scores, a reason.</summary>
    public const string Unscored = "unscored";
    /// <summary>A reviewer rejected it: no scores.</summary>
    public const string Rejected = "rejected";
    /// <summary>Processing failed repeatedly; the queue gave up on it.</summary>
    public const string Failed = "failed";
}
