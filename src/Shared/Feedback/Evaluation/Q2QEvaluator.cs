using Impact.Shared.Feedback.Corpus;

namespace Impact.Shared.Feedback.Evaluation;

/// <summary>
/// Runs a language detector and a classifier over labelled records (normally the held-out split) and counts.
/// The classifier gets each text with its GOLD language, so its figures do not mix in detection errors; the
/// detector is measured on its own. Records are processed in id order.
/// </summary>
public static class Q2QEvaluator
{
    /// <summary>Evaluates <paramref name="records"/>; <paramref name="set"/> names them in the report.</summary>
    public static async Task<Q2QEvaluationReport> RunAsync(
        string set, IEnumerable<CorpusRecord> records, ILanguageDetector detector, IOutcomeClassifier classifier, string modelId, string promptVersion, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(records);
        ArgumentNullException.ThrowIfNull(detector);
        ArgumentNullException.ThrowIfNull(classifier);
        var ordered = records.OrderBy(r => r.Id, StringComparer.Ordinal).ToList();

        var detected = ordered.Select(r => (Record: r, Guess: detector.Detect(r.Text).Language)).ToList();
        var detection = detected
            .GroupBy(x => GroupOf(x.Record), StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .Select(g => new Q2QEvaluationReport.DetectionGroup(g.Key, g.Count(), g.Count(x => x.Guess == x.Record.Language)))
            .ToList();
        var confusion = detected
            .GroupBy(x => (Gold: x.Record.IsDecoy ? "decoy." + x.Record.SourceLanguage : x.Record.Language, Detected: x.Guess))
            .OrderBy(g => g.Key.Gold, StringComparer.Ordinal).ThenBy(g => g.Key.Detected, StringComparer.Ordinal)
            .Select(g => new Q2QEvaluationReport.ConfusionCell(g.Key.Gold, g.Key.Detected, g.Count()))
            .ToList();

        var pairs = new List<(string Language, IReadOnlyCollection<string> Gold, IReadOnlyCollection<string> Predicted)>();
        var unscored = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var record in ordered.Where(r => !r.IsDecoy))
        {
            var result = await classifier.ClassifyAsync(new ClassificationRequest(record.Text, record.Language, null), ct);
            if (result.Labels is null)
            {
                unscored[record.Language] = unscored.GetValueOrDefault(record.Language) + 1;
                continue;
            }

            pairs.Add((record.Language, Q2QLabelCatalog.KeysOf(record.Labels!).ToHashSet(StringComparer.Ordinal),
                Q2QLabelCatalog.KeysOf(result.Labels).ToHashSet(StringComparer.Ordinal)));
        }

        var languages = pairs.Select(p => p.Language).Distinct().Order(StringComparer.Ordinal).ToList();
        var classification = languages
            .Select(l => Scores(l, pairs.Where(p => p.Language == l).ToList(), unscored.GetValueOrDefault(l)))
            .Append(Scores("all", pairs, unscored.Values.Sum()))
            .ToList();

        return new Q2QEvaluationReport(set, detector.ToString() ?? detector.GetType().Name, modelId, classifier.Provider, promptVersion, detection, confusion, classification);
    }

    private static Q2QEvaluationReport.LanguageScores Scores(string language, List<(string Language, IReadOnlyCollection<string> Gold, IReadOnlyCollection<string> Predicted)> pairs, int unscored) =>
        new(language, pairs.Count, LabelCounts.Count(Q2QLabelCatalog.AllKeys, pairs.Select(p => (p.Gold, p.Predicted))), unscored);

    /// <summary><c>en.short</c>, <c>no.long</c>, … for labelled texts; <c>decoys.da</c>, <c>decoys.sv</c>, <c>decoys.ru</c> for decoys.</summary>
    public static string GroupOf(CorpusRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        return record.IsDecoy ? "decoys." + record.SourceLanguage : record.Language + "." + record.Length;
    }
}
