namespace Impact.Shared.Feedback;

/// <summary>
/// What safety screening found in one text: a score per category (all four, always), the overall
/// risk, the PII matches, and the text with every PII match masked (the only form that is ever
/// stored in a snippet or sent to an external model).
/// </summary>
public sealed record ScreeningResult(IReadOnlyList<CategoryScore> Scores, RiskLevel Risk, IReadOnlyList<PiiMatch> Pii, string MaskedText);
