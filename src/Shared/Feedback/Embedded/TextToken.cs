namespace Impact.Shared.Feedback.Embedded;

/// <summary>A word (or emoji) of a text: its normalised form and where it stands in the original text.</summary>
public readonly record struct TextToken(string Norm, int Start, int Length);
