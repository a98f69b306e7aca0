namespace Impact.Shared.Feedback;

/// <summary>The five dimension scores of SPEC §H, computed from labels by the formulas written there.</summary>
public static class OutcomeDimensions
{
    /// <summary><c>confidence</c>: 0.5 baseline, 0.8 on increase, 0.2 on decrease.</summary>
    public const string Confidence = "confidence";
    /// <summary><c>belonging</c>: 0.5 baseline, 0.8 on increase, 0.2 on decrease.</summary>
    public const string Belonging = "belonging";
    /// <summary><c>lang_level_proxy</c>: low 0.3, medium 0.6, high 0.9.</summary>
    public const string LangLevelProxy = "lang_level_proxy";
    /// <summary><c>job_readiness</c>: min(0.3 + 0.15 × signals, 1).</summary>
    public const string JobReadiness = "job_readiness";
    /// <summary><c>well_being</c>: max(0.9 − 0.15 × risk cues, 0.1).</summary>
    public const string WellBeing = "well_being";

    /// <summary>All five, in a fixed order.</summary>
    public static readonly IReadOnlyList<string> All = [Confidence, Belonging, LangLevelProxy, JobReadiness, WellBeing];

    /// <summary>The five scores for one text's labels, in the order of <see cref="All"/>.</summary>
    public static IReadOnlyList<KeyValuePair<string, double>> From(Q2QLabels labels)
    {
        ArgumentNullException.ThrowIfNull(labels);
        return
        [
            new(Confidence, Shift(labels.ConfidenceIncrease, labels.ConfidenceDecrease)),
            new(Belonging, Shift(labels.BelongingIncrease, labels.BelongingDecrease)),
            new(LangLevelProxy, labels.LanguageComfort switch { "high" => 0.9, "medium" => 0.6, _ => 0.3 }),
            new(JobReadiness, Math.Min(0.3 + 0.15 * labels.EmployabilitySignals.Count, 1.0)),
            new(WellBeing, Math.Max(0.9 - 0.15 * labels.RiskCues.Count, 0.1)),
        ];
    }

    // Both flags set cancel out: the text says both, so neither wins.
    private static double Shift(bool increase, bool decrease) => (increase, decrease) switch
    {
        (true, false) => 0.8,
        (false, true) => 0.2,
        _ => 0.5,
    };
}
