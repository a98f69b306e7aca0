using System.Text.Json;

namespace Impact.Shared.Feedback.Evaluation;

/// <summary>A stored evaluation run with its report, as JSON (the stored bytes, parsed) and as Markdown.</summary>
/// <param name="Run">The run.</param>
/// <param name="Report">The report (<see cref="Q2QReportWriter.ToJson"/>).</param>
/// <param name="Markdown">The same report as Markdown tables.</param>
public sealed record EvalRun(EvalRunSummary Run, JsonElement Report, string Markdown);
