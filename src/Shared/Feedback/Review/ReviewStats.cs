namespace Impact.Shared.Feedback.Review;

/// <summary>The review queue of one company in numbers.</summary>
/// <param name="ByStatus">Items per status (every status, zeros included).</param>
/// <param name="PendingByRisk">Pending and escalated items per risk.</param>
/// <param name="FlagsByCategory">Flags per category, over all texts.</param>
/// <param name="HeldTexts">Texts held (HIGH, not yet released).</param>
/// <param name="OldestPendingAt">When the oldest undecided item was queued.</param>
public sealed record ReviewStats(IReadOnlyDictionary<string, long> ByStatus, IReadOnlyDictionary<string, long> PendingByRisk,
    IReadOnlyDictionary<string, long> FlagsByCategory, long HeldTexts, DateTimeOffset? OldestPendingAt);
