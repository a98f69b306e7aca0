namespace Impact.Shared.Feedback;

/// <summary>
/// A classifier's answer: the labels, or null with <see cref="UnscoredReason"/> when it could not
/// score (a provider that failed or answered nonsense: never invented neutral scores), plus who
/// scored it and the tokens it cost (0 for the embedded classifier).
/// </summary>
public sealed record ClassificationResult(
    Q2QLabels? Labels,
    string? UnscoredReason,
    string ModelId,
    string Provider,
    string PromptVersion,
    long InputTokens = 0,
    long OutputTokens = 0)
{
    /// <summary>True when <see cref="Labels"/> is present.</summary>
    public bool Scored => Labels is not null;
}
