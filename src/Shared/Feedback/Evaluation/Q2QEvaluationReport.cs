namespace Impact.Shared.Feedback.Evaluation;

/// <summary>
/// What <see cref="Q2QEvaluator"/> measured on one labelled set: language detection accuracy per group
/// (e.g. <c>en.short</c>, <c>decoys.da</c>) with a confusion matrix (empty when no detector was run), per language the
/// label counts, macro-F1 and the <c>language_comfort</c> confusion matrix of the classifier, and the fairness gap
/// between languages. Contains no time or machine facts, so the same inputs give the same report.
/// </summary>
public sealed record Q2QEvaluationReport(
    string Set,
    string SetHash,
    string Detector,
    string ModelId,
    string Provider,
    string PromptVersion,
    IReadOnlyList<Q2QEvaluationReport.DetectionGroup> Detection,
    IReadOnlyList<Q2QEvaluationReport.ConfusionCell> Confusion,
    IReadOnlyList<Q2QEvaluationReport.LanguageScores> Classification,
    Q2QEvaluationReport.FairnessGap Fairness)
{
    /// <summary>A fairness gap above this is <c>medium</c> (SPEC §I).</summary>
    public const double FairnessMedium = 0.10;
    /// <summary>A fairness gap above this is <c>high</c> (SPEC §I).</summary>
    public const double FairnessHigh = 0.15;

    /// <summary>
    /// A figure as the report prints it: rounded to four decimals, half away from zero, through <see cref="decimal"/> so the
    /// rounding of a printed value never depends on its binary representation.
    /// </summary>
    public static double Round4(double value) => (double)Math.Round((decimal)value, 4, MidpointRounding.AwayFromZero);

    /// <summary>The macro-F1 of all languages together (the <c>all</c> row).</summary>
    public double MacroF1 => Classification.Single(c => c.Language == Q2QEvaluator.AllLanguages).MacroF1;

    /// <summary>Detection on one group of texts: how many were detected as their gold language (decoys: as <c>unknown</c>).</summary>
    public sealed record DetectionGroup(string Group, int Texts, int Correct)
    {
        /// <summary>Correct / texts.</summary>
        public double Accuracy => Texts == 0 ? 0 : (double)Correct / Texts;
    }

    /// <summary>One cell of a confusion matrix: texts of gold <see cref="Gold"/> given <see cref="Detected"/> (detection: the detected language; language comfort: the predicted value).</summary>
    public sealed record ConfusionCell(string Gold, string Detected, int Texts);

    /// <summary>
    /// The classifier on one language's texts (or <c>all</c>): per-label counts (each label's 2×2 confusion matrix is its
    /// TP, FP, FN and TN = texts − TP − FP − FN), the macro-F1 over the defined labels, and the 3×3 confusion matrix of
    /// <c>language_comfort</c> (gold × predicted, every cell present, low/medium/high order).
    /// </summary>
    public sealed record LanguageScores(string Language, int Texts, IReadOnlyList<LabelCounts> Labels, int Unscored, IReadOnlyList<ConfusionCell> Comfort)
    {
        /// <summary>Mean F1 over the labels that occurred or were predicted.</summary>
        public double MacroF1 => LabelCounts.MacroF1(Labels);

        /// <summary>Texts that had neither the gold nor the predicted label (the fourth cell of the label's 2×2 matrix).</summary>
        public int TrueNegatives(LabelCounts label)
        {
            ArgumentNullException.ThrowIfNull(label);
            return Texts - label.TruePositives - label.FalsePositives - label.FalseNegatives;
        }
    }

    /// <summary>
    /// The fairness gap of SPEC §I: macro-F1 of the best language minus that of the worst (languages with scored texts;
    /// 0 with fewer than two), <c>none</c> up to 0.10, <c>medium</c> above 0.10, <c>high</c> above 0.15. Computed from the
    /// macro-F1 values rounded to four decimals as the report shows them, so the level always agrees with the printed figures.
    /// </summary>
    public sealed record FairnessGap(string? Best, double BestMacroF1, string? Worst, double WorstMacroF1, double Gap, string Level)
    {
        /// <summary>The gap between the best and the worst of <paramref name="languages"/> (the <c>all</c> row is ignored).</summary>
        public static FairnessGap Of(IEnumerable<LanguageScores> languages)
        {
            var scored = languages.Where(l => l.Language != Q2QEvaluator.AllLanguages && l.Texts > 0)
                .Select(l => (l.Language, MacroF1: Round4(l.MacroF1)))
                .OrderByDescending(l => l.MacroF1).ThenBy(l => l.Language, StringComparer.Ordinal)
                .ToList();
            if (scored.Count == 0)
            {
                return new FairnessGap(null, 0, null, 0, 0, "none");
            }

            var (best, worst) = (scored[0], scored[^1]);
            var gap = Round4(best.MacroF1 - worst.MacroF1);
            var level = gap > FairnessHigh ? "high" : gap > FairnessMedium ? "medium" : "none";
            return new FairnessGap(best.Language, best.MacroF1, worst.Language, worst.MacroF1, gap, level);
        }
    }
}
