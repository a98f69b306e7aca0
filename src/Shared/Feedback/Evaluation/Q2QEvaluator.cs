using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Impact.Shared.Feedback.Corpus;

namespace Impact.Shared.Feedback.Evaluation;

/// <summary>
/// Runs a language detector (optional) and a classifier over labelled records (normally the held-out split) and counts.
/// The classifier gets each text with its GOLD language, so its figures do not mix in detection errors; the
/// detector is measured on its own. Records are processed in id order.
/// </summary>
public static class Q2QEvaluator
{
    /// <summary>The name of the row over every language.</summary>
    public const string AllLanguages = "all";

    /// <summary>
    /// Evaluates <paramref name="records"/>; <paramref name="set"/> names them in the report. Without a detector the
    /// report has no detection part (the operator API measures a model, not the detector).
    /// </summary>
    public static async Task<Q2QEvaluationReport> RunAsync(
        string set, IEnumerable<CorpusRecord> records, ILanguageDetector? detector, IOutcomeClassifier classifier, string modelId, string promptVersion,
        CancellationToken ct = default) =>
        await RunAsync(set, records, detector, classifier.Provider,
            (request, token) => classifier.ClassifyAsync(request, token), modelId, promptVersion, ct);

    /// <summary>As above, with the classification as a function (the API passes the registry model in each request).</summary>
    public static async Task<Q2QEvaluationReport> RunAsync(
        string set, IEnumerable<CorpusRecord> records, ILanguageDetector? detector, string provider,
        Func<ClassificationRequest, CancellationToken, Task<ClassificationResult>> classify, string modelId, string promptVersion, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(classify);
        var ordered = records.OrderBy(r => r.Id, StringComparer.Ordinal).ToList();

        var detection = new List<Q2QEvaluationReport.DetectionGroup>();
        var confusion = new List<Q2QEvaluationReport.ConfusionCell>();
        if (detector is not null)
        {
            var detected = ordered.Select(r => (Record: r, Guess: detector.Detect(r.Text).Language)).ToList();
            detection = detected
                .GroupBy(x => GroupOf(x.Record), StringComparer.Ordinal)
                .OrderBy(g => g.Key, StringComparer.Ordinal)
                .Select(g => new Q2QEvaluationReport.DetectionGroup(g.Key, g.Count(), g.Count(x => x.Guess == x.Record.Language)))
                .ToList();
            confusion = detected
                .GroupBy(x => (Gold: x.Record.IsDecoy ? "decoy." + x.Record.SourceLanguage : x.Record.Language, Detected: x.Guess))
                .OrderBy(g => g.Key.Gold, StringComparer.Ordinal).ThenBy(g => g.Key.Detected, StringComparer.Ordinal)
                .Select(g => new Q2QEvaluationReport.ConfusionCell(g.Key.Gold, g.Key.Detected, g.Count()))
                .ToList();
        }

        var pairs = new List<Pair>();
        var unscored = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var record in ordered.Where(r => !r.IsDecoy))
        {
            var result = await classify(new ClassificationRequest(record.Text, record.Language, null), ct);
            if (result.Labels is null)
            {
                unscored[record.Language] = unscored.GetValueOrDefault(record.Language) + 1;
                continue;
            }

            pairs.Add(new Pair(record.Language, Q2QLabelCatalog.KeysOf(record.Labels!).ToHashSet(StringComparer.Ordinal),
                Q2QLabelCatalog.KeysOf(result.Labels).ToHashSet(StringComparer.Ordinal), record.Labels!.LanguageComfort, result.Labels.LanguageComfort));
        }

        var languages = ordered.Where(r => !r.IsDecoy).Select(r => r.Language).Distinct().Order(StringComparer.Ordinal).ToList();
        var classification = languages
            .Select(l => Scores(l, pairs.Where(p => p.Language == l).ToList(), unscored.GetValueOrDefault(l)))
            .Append(Scores(AllLanguages, pairs, unscored.Values.Sum()))
            .ToList();

        return new Q2QEvaluationReport(set, SetHash(ordered), detector?.ToString() ?? "none", modelId, provider, promptVersion,
            detection, confusion, classification, Q2QEvaluationReport.FairnessGap.Of(classification));
    }

    /// <summary>
    /// SHA-256 (lower-case hex) of the set's content, independent of record order: per record in id order one JSON line
    /// <c>[id, language, text, label keys…]</c> (a decoy's keys are <c>decoy.&lt;source language&gt;</c>), UTF-8.
    /// Two sets with the same hash are the same texts with the same gold labels.
    /// </summary>
    public static string SetHash(IEnumerable<CorpusRecord> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        using var sha = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var r in records.OrderBy(r => r.Id, StringComparer.Ordinal))
        {
            string[] line = [r.Id, r.Language, r.Text, .. r.Labels is null ? ["decoy." + r.SourceLanguage] : Q2QLabelCatalog.KeysOf(r.Labels)];
            sha.AppendData(Encoding.UTF8.GetBytes(JsonSerializer.Serialize(line) + "\n"));
        }

        return Convert.ToHexStringLower(sha.GetHashAndReset());
    }

    private static Q2QEvaluationReport.LanguageScores Scores(string language, List<Pair> pairs, int unscored)
    {
        var comfort = (from gold in Q2QLabelCatalog.LanguageComfortValues
                       from predicted in Q2QLabelCatalog.LanguageComfortValues
                       select new Q2QEvaluationReport.ConfusionCell(gold, predicted, pairs.Count(p => p.GoldComfort == gold && p.PredictedComfort == predicted)))
            .ToList();
        return new(language, pairs.Count, LabelCounts.Count(Q2QLabelCatalog.AllKeys, pairs.Select(p => (p.Gold, p.Predicted))), unscored, comfort);
    }

    /// <summary><c>en.short</c>, <c>no.long</c>, … for labelled texts; <c>decoys.da</c>, <c>decoys.sv</c>, <c>decoys.ru</c> for decoys.</summary>
    public static string GroupOf(CorpusRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record.IsDecoy ? "decoys." + record.SourceLanguage : record.Language + "." + record.Length;
    }

    private sealed record Pair(string Language, IReadOnlyCollection<string> Gold, IReadOnlyCollection<string> Predicted, string GoldComfort, string PredictedComfort);
}
