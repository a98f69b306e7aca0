namespace Impact.Shared.Feedback.Review;

/// <summary>One safety flag of a text.</summary>
/// <param name="Category">profanity, spam, pii or toxic.</param>
/// <param name="Score">0–1.</param>
/// <param name="Risk">low, medium or high.</param>
/// <param name="Reasons">Matched terms or PII kinds (never the personal data).</param>
/// <param name="Status">open, cleared, approved, rejected or escalated.</param>
public sealed record ReviewFlag(string Category, double Score, string Risk, IReadOnlyList<string> Reasons, string Status);
