namespace Impact.Shared.Feedback.Pipeline;

/// <summary>The answer of <c>POST /v1/q2q/classify</c>.</summary>
/// <param name="Status"><c>classified</c>, <c>unscored</c> (the classifier could not score it, see <paramref name="UnscoredReason"/>) or <c>held</c> (HIGH risk: not classified).</param>
/// <param name="Risk">Screening's risk: <c>none</c>, <c>low</c>, <c>medium</c>, <c>high</c>.</param>
/// <param name="Language">The detected language: <c>en</c>, <c>uk</c>, <c>no</c> or <c>unknown</c>.</param>
/// <param name="ModelId">The registry model that classified it.</param>
/// <param name="Provider">Its provider.</param>
/// <param name="PromptVersion">Its prompt version.</param>
/// <param name="Scores">The five outcome dimension scores (0–1), when classified.</param>
/// <param name="Labels">The Q2Q labels, with evidence from the PII-masked text, when classified.</param>
/// <param name="UnscoredReason">Why it was not classified.</param>
/// <param name="InputTokens">Input tokens the provider reported (0 for the embedded classifier).</param>
/// <param name="OutputTokens">Output tokens the provider reported.</param>
public sealed record Q2QClassifyResult(string Status, string Risk, string Language, string? ModelId, string? Provider, string? PromptVersion,
    IReadOnlyDictionary<string, double>? Scores, Q2QLabels? Labels, string? UnscoredReason, long InputTokens, long OutputTokens);
