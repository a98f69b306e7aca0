namespace Impact.Shared.Feedback.Evaluation;

/// <summary>
/// What <see cref="Q2QEvaluator"/> measured on one labelled set: language detection accuracy per group
/// (e.g. <c>en.short</c>, <c>decoys.da</c>) with a confusion matrix, and per language the label counts and macro-F1
/// of the classifier. Contains no time or machine facts, so the same inputs give the same report.
/// </summary>
public sealed record Q2QEvaluationReport(
    string Set,
    string Detector,
    string ModelId,
    string Provider,
    string PromptVersion,
    IReadOnlyList<Q2QEvaluationReport.DetectionGroup> Detection,
    IReadOnlyList<Q2QEvaluationReport.ConfusionCell> Confusion,
    IReadOnlyList<Q2QEvaluationReport.LanguageScores> Classification)
{
    /// <summary>Detection on one group of texts: how many were detected as their gold language (decoys: as <c>unknown</c>).</summary>
    public sealed record DetectionGroup(string Group, int Texts, int Correct)
    {
        /// <summary>Correct / texts.</summary>
        public double Accuracy => Texts == 0 ? 0 : (double)Correct / Texts;
    }

    /// <summary>One cell of the detection confusion matrix: texts of gold <see cref="Gold"/> (decoys by source language) detected as <see cref="Detected"/>.</summary>
    public sealed record ConfusionCell(string Gold, string Detected, int Texts);

    /// <summary>The classifier on one language's texts (or <c>all</c>): per-label counts and the macro-F1 over the defined labels.</summary>
    public sealed record LanguageScores(string Language, int Texts, IReadOnlyList<LabelCounts> Labels, int Unscored)
    {
        /// <summary>Mean F1 over the labels that occurred or were predicted.</summary>
        public double MacroF1 => LabelCounts.MacroF1(Labels);
    }
}
