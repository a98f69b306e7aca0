namespace Impact.Shared.Feedback;

/// <summary>What a classifier is given: the text with PII already masked, its detected language, and the company it belongs to (for budgets).</summary>
public sealed record ClassificationRequest(string MaskedText, string Language, Guid? CompanyId);
