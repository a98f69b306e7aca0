namespace Impact.Shared.Feedback;

/// <summary>
/// The classification of one feedback text (SPEC §H). <see cref="LanguageComfort"/> is
/// <c>low|medium|high</c>; the lists hold the label names of §H (employability signals, risk cues, topics).
/// </summary>
public sealed record Q2QLabels(
    bool ConfidenceIncrease,
    bool ConfidenceDecrease,
    bool BelongingIncrease,
    bool BelongingDecrease,
    string LanguageComfort,
    IReadOnlyList<string> EmployabilitySignals,
    IReadOnlyList<string> RiskCues,
    IReadOnlyList<string> Topics,
    IReadOnlyList<EvidenceItem> Evidence);
