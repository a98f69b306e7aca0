namespace Impact.Shared.Feedback.Review;

/// <summary>States of a review item (<c>safety_review_queue.status</c>) and of a flag (<c>safety_flags.status</c>).</summary>
public static class ReviewStatus
{
    /// <summary>Waiting for a reviewer.</summary>
    public const string Pending = "pending";
    /// <summary>A reviewer approved the text (a held text is released and classified once).</summary>
    public const string Approved = "approved";
    /// <summary>A reviewer rejected the text: it is not (or no longer) scored.</summary>
    public const string Rejected = "rejected";
    /// <summary>A reviewer passed it on; the text stays as it is and the item can still be decided.</summary>
    public const string Escalated = "escalated";

    /// <summary>The statuses a list may filter by.</summary>
    public static readonly IReadOnlyList<string> All = [Pending, Approved, Rejected, Escalated];

    /// <summary>A flag waiting for review.</summary>
    public const string FlagOpen = "open";
    /// <summary>A LOW flag: recorded, no review.</summary>
    public const string FlagCleared = "cleared";

    /// <summary>The decisions a reviewer may send, and the item status each leads to.</summary>
    public static readonly IReadOnlyDictionary<string, string> Decisions = new Dictionary<string, string>
    {
        ["approve"] = Approved,
        ["reject"] = Rejected,
        ["escalate"] = Escalated,
    };
}
