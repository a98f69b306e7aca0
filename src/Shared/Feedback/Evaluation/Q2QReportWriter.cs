using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Impact.Shared.Feedback.Evaluation;

/// <summary>
/// Writes a <see cref="Q2QEvaluationReport"/> as JSON (keys sorted, numbers with four decimals) and as Markdown.
/// Nothing in either depends on the clock or the machine: the same report is the same bytes.
/// </summary>
public static class Q2QReportWriter
{
    /// <summary>The report as JSON with sorted keys and fixed number formatting.</summary>
    public static string ToJson(Q2QEvaluationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping }))
        {
            w.WriteStartObject();
            w.WriteStartArray("classification");
            foreach (var language in report.Classification)
            {
                w.WriteStartObject();
                w.WriteStartArray("comfort_confusion");
                foreach (var c in language.Comfort)
                {
                    w.WriteStartObject();
                    w.WriteString("gold", c.Gold);
                    w.WriteString("predicted", c.Detected);
                    w.WriteNumber("texts", c.Texts);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteStartArray("labels");
                foreach (var l in language.Labels)
                {
                    w.WriteStartObject();
                    w.WriteBoolean("defined", l.Defined);
                    Number(w, "f1", l.F1);
                    w.WriteNumber("false_negatives", l.FalseNegatives);
                    w.WriteNumber("false_positives", l.FalsePositives);
                    w.WriteString("label", l.Label);
                    Number(w, "precision", l.Precision);
                    Number(w, "recall", l.Recall);
                    w.WriteNumber("support", l.Support);
                    w.WriteNumber("true_negatives", language.TrueNegatives(l));
                    w.WriteNumber("true_positives", l.TruePositives);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
                w.WriteString("language", language.Language);
                Number(w, "macro_f1", language.MacroF1);
                w.WriteNumber("texts", language.Texts);
                w.WriteNumber("unscored", language.Unscored);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("confusion");
            foreach (var c in report.Confusion)
            {
                w.WriteStartObject();
                w.WriteString("detected", c.Detected);
                w.WriteString("gold", c.Gold);
                w.WriteNumber("texts", c.Texts);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteStartArray("detection");
            foreach (var g in report.Detection)
            {
                w.WriteStartObject();
                Number(w, "accuracy", g.Accuracy);
                w.WriteNumber("correct", g.Correct);
                w.WriteString("group", g.Group);
                w.WriteNumber("texts", g.Texts);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteString("detector", report.Detector);
            w.WriteStartObject("fairness");
            w.WriteString("best", report.Fairness.Best);
            Number(w, "best_macro_f1", report.Fairness.BestMacroF1);
            Number(w, "gap", report.Fairness.Gap);
            w.WriteString("level", report.Fairness.Level);
            w.WriteString("worst", report.Fairness.Worst);
            Number(w, "worst_macro_f1", report.Fairness.WorstMacroF1);
            w.WriteEndObject();
            w.WriteString("model_id", report.ModelId);
            w.WriteString("prompt_version", report.PromptVersion);
            w.WriteString("provider", report.Provider);
            w.WriteString("set", report.Set);
            w.WriteString("set_sha256", report.SetHash);
            w.WriteEndObject();
        }

        return Encoding.UTF8.GetString(buffer.ToArray()).Replace("\r\n", "\n", StringComparison.Ordinal) + "\n";
    }

    /// <summary>The report as Markdown tables.</summary>
    public static string ToMarkdown(Q2QEvaluationReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var sb = new StringBuilder();
        sb.Append("# Q2Q evaluation: ").Append(report.Set).Append("\n\n");
        sb.Append("Set SHA-256 `").Append(report.SetHash).Append("`.\n");
        sb.Append("Model `").Append(report.ModelId).Append("` (provider `").Append(report.Provider).Append("`, prompt version `")
            .Append(report.PromptVersion).Append("`); language detector ").Append(report.Detector).Append(".\n");
        sb.Append("The classifier is given each text with its gold language; detection is measured separately.\n\n");
        AppendDetection(sb, report);
        AppendClassification(sb, report);
        return sb.ToString();
    }

    private static void AppendDetection(StringBuilder sb, Q2QEvaluationReport report)
    {
        if (report.Detection.Count == 0)
        {
            return;
        }

        sb.Append("## Language detection\n\n| group | texts | correct | accuracy |\n|---|---:|---:|---:|\n");
        foreach (var g in report.Detection)
        {
            sb.Append("| ").Append(g.Group).Append(" | ").Append(I(g.Texts)).Append(" | ").Append(I(g.Correct)).Append(" | ").Append(Pct(g.Accuracy)).Append(" |\n");
        }

        sb.Append("\nDecoys (Danish, Swedish, Russian) are correct when detected as `unknown`.\n\n### Confusion (gold → detected)\n\n| gold | detected | texts |\n|---|---|---:|\n");
        foreach (var c in report.Confusion)
        {
            sb.Append("| ").Append(c.Gold).Append(" | ").Append(c.Detected).Append(" | ").Append(I(c.Texts)).Append(" |\n");
        }

        sb.Append('\n');

    }

    private static void AppendClassification(StringBuilder sb, Q2QEvaluationReport report)
    {
        sb.Append("## Classification: macro-F1 per language\n\n| language | texts | unscored | macro-F1 | labels defined |\n|---|---:|---:|---:|---:|\n");
        foreach (var l in report.Classification)
        {
            sb.Append("| ").Append(l.Language).Append(" | ").Append(I(l.Texts)).Append(" | ").Append(I(l.Unscored)).Append(" | ")
                .Append(F(l.MacroF1)).Append(" | ").Append(I(l.Labels.Count(x => x.Defined))).Append(" |\n");
        }

        sb.Append("\nMacro-F1 averages the labels that occurred or were predicted in that language; `language_comfort` counts as three labels (low, medium, high).\n");
        var f = report.Fairness;
        sb.Append("\n## Fairness gap between languages\n\n| best | macro-F1 | worst | macro-F1 | gap | level |\n|---|---:|---|---:|---:|---|\n");
        sb.Append("| ").Append(f.Best ?? "–").Append(" | ").Append(F(f.BestMacroF1)).Append(" | ").Append(f.Worst ?? "–").Append(" | ")
            .Append(F(f.WorstMacroF1)).Append(" | ").Append(F(f.Gap)).Append(" | ").Append(f.Level).Append(" |\n");
        sb.Append("\nGap = best − worst language macro-F1; above 0.10 is medium, above 0.15 high (SPEC §I).\n");
        foreach (var l in report.Classification)
        {
            sb.Append("\n## Labels: ").Append(l.Language).Append("\n\n| label | support | predicted | TP | FP | FN | TN | precision | recall | F1 |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n");
            foreach (var c in l.Labels)
            {
                sb.Append("| ").Append(c.Label).Append(" | ").Append(I(c.Support)).Append(" | ").Append(I(c.Predicted)).Append(" | ")
                    .Append(I(c.TruePositives)).Append(" | ").Append(I(c.FalsePositives)).Append(" | ").Append(I(c.FalseNegatives)).Append(" | ")
                    .Append(I(l.TrueNegatives(c))).Append(" | ");
                sb.Append(c.Defined ? F(c.Precision) + " | " + F(c.Recall) + " | " + F(c.F1) : "– | – | –").Append(" |\n");
            }

            sb.Append("\nLanguage comfort (gold ↓, predicted →):\n\n| gold | low | medium | high |\n|---|---:|---:|---:|\n");
            foreach (var gold in Q2QLabelCatalog.LanguageComfortValues)
            {
                sb.Append("| ").Append(gold);
                foreach (var cell in l.Comfort.Where(c => c.Gold == gold))
                {
                    sb.Append(" | ").Append(I(cell.Texts));
                }

                sb.Append(" |\n");
            }
        }
    }

    private static void Number(Utf8JsonWriter w, string name, double value)
    {
        w.WritePropertyName(name);
        w.WriteRawValue(F(value));
    }

    private static string F(double v) => Q2QEvaluationReport.Round4(v).ToString("0.0000", CultureInfo.InvariantCulture);

    private static string Pct(double v) => (100 * v).ToString("0.0", CultureInfo.InvariantCulture) + " %";

    private static string I(int v) => v.ToString(CultureInfo.InvariantCulture);
}
