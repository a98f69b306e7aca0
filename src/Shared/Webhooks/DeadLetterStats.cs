namespace Impact.Shared.Webhooks;

/// <summary>Totals over the dead-letter list.</summary>
public sealed record DeadLetterStats(long Total, DateTime? Oldest, DateTime? Newest, IReadOnlyDictionary<string, long> ByEventType);
