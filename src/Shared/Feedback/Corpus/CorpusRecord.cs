namespace Impact.Shared.Feedback.Corpus;

/// <summary>
/// One line of the labelled corpus (<c>corpus/*.jsonl</c>): the text, its language (<c>en|uk|no|unknown</c>;
/// decoys are <c>unknown</c> with <see cref="SourceLanguage"/> da/sv/ru), the Norwegian variant (nb/nn),
/// <c>short</c> or <c>long</c>, the split (<see cref="CorpusSplit"/>), and the gold labels (null for decoys).
/// </summary>
public sealed record CorpusRecord(
    string Id,
    string Text,
    string Language,
    string? SourceLanguage,
    string? Variant,
    string Length,
    string Split,
    Q2QLabels? Labels)
{
    /// <summary>True for the Danish, Swedish and Russian texts that must be detected as <c>unknown</c>.</summary>
    public bool IsDecoy => Labels is null;
}
