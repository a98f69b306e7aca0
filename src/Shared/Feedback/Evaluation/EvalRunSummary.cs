namespace Impact.Shared.Feedback.Evaluation;

/// <summary>One row of <c>impact.eval_runs</c> without the report: what the list shows.</summary>
/// <param name="Id">The run's id.</param>
/// <param name="ModelId">The registry model evaluated.</param>
/// <param name="SetName">The labelled set (<c>held-out</c> or the name sent with the records).</param>
/// <param name="SetHash">SHA-256 of the set's texts and gold labels.</param>
/// <param name="Texts">Labelled texts in the set.</param>
/// <param name="MacroF1">Macro-F1 over all languages, as in the report (four decimals).</param>
/// <param name="FairnessGap">Best minus worst language macro-F1.</param>
/// <param name="FairnessLevel"><c>none</c>, <c>medium</c> (&gt; 0.10) or <c>high</c> (&gt; 0.15).</param>
/// <param name="ReportSha256">SHA-256 of the stored JSON report's bytes: equal for the same model and set.</param>
/// <param name="CreatedAt">When the run was stored.</param>
/// <param name="CreatedBy">The token principal that asked for it.</param>
public sealed record EvalRunSummary(Guid Id, string ModelId, string SetName, string SetHash, int Texts, double MacroF1, double FairnessGap,
    string FairnessLevel, string ReportSha256, DateTime CreatedAt, string CreatedBy);
