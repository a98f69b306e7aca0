namespace Impact.Shared.Feedback.Drift;

/// <summary>
/// The label bins of each outcome dimension. <c>outcome_scores</c> keeps the five dimension scores, which the formulas of
/// §H (<see cref="OutcomeDimensions"/>) compute from the labels, so each score names its label back: confidence and
/// belonging 0.2/0.5/0.8 = decrease/neutral/increase; lang_level_proxy 0.3/0.6/0.9 = language comfort low/medium/high;
/// job_readiness 0.3 + 0.15·n = n employability signals (0…4, 5+); well_being 0.9 − 0.15·n = n risk cues (0…4, 5+).
/// A score between two label values (a manual score) falls in the bin of the nearer one.
/// </summary>
public static class DriftBins
{
    private static readonly string[] Shift = ["decrease", "neutral", "increase"];
    private static readonly string[] Comfort = ["low", "medium", "high"];
    private static readonly string[] Counts = ["0", "1", "2", "3", "4", "5+"];

    /// <summary>The bin names of <paramref name="dimension"/>, in order.</summary>
    public static IReadOnlyList<string> Of(string dimension) => dimension switch
    {
        OutcomeDimensions.Confidence or OutcomeDimensions.Belonging => Shift,
        OutcomeDimensions.LangLevelProxy => Comfort,
        OutcomeDimensions.JobReadiness or OutcomeDimensions.WellBeing => Counts,
        _ => throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "not an outcome dimension"),
    };

    /// <summary>The index in <see cref="Of"/> of the bin of <paramref name="score"/>.</summary>
    public static int Index(string dimension, double score) => dimension switch
    {
        OutcomeDimensions.Confidence or OutcomeDimensions.Belonging => Nearest(score, 0.2, 0.15),
        OutcomeDimensions.LangLevelProxy => Nearest(score, 0.3, 0.15),
        OutcomeDimensions.JobReadiness => Math.Clamp((int)Math.Round((score - 0.3) / 0.15, MidpointRounding.AwayFromZero), 0, 5),
        OutcomeDimensions.WellBeing => Math.Clamp((int)Math.Round((0.9 - score) / 0.15, MidpointRounding.AwayFromZero), 0, 5),
        _ => throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "not an outcome dimension"),
    };

    // Three bins centred first + 0, 2, 4 half-steps (0.2, 0.5, 0.8 or 0.3, 0.6, 0.9): split at the midpoints.
    private static int Nearest(double score, double first, double halfStep) =>
        score < first + halfStep ? 0 : score < first + 3 * halfStep ? 1 : 2;
}
