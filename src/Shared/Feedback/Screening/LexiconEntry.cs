namespace Impact.Shared.Feedback.Screening;

/// <summary>One lexicon line: its category, weight (0–1), word slots and the reason it is reported under.</summary>
internal sealed record LexiconEntry(string Category, double Weight, IReadOnlyList<LexiconSlot> Slots, string Reason);
