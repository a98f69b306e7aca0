namespace Impact.Shared.Feedback;

/// <summary>One category's score (0–1) for a text, with what was found (the matched terms or PII kinds, never the PII itself).</summary>
public sealed record CategoryScore(string Category, double Score, IReadOnlyList<string> Reasons);
