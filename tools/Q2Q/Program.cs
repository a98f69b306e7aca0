// Q2Q corpus tools: `dotnet run --project tools/Q2Q -- train|eval|tune-language [options]` (see --help).
using System.Globalization;
using Impact.Shared.Feedback;
using Impact.Shared.Feedback.Corpus;
using Impact.Shared.Feedback.Embedded;
using Impact.Shared.Feedback.Evaluation;
using Impact.Shared.Feedback.Language;

var root = FindRepositoryRoot();
var command = args.FirstOrDefault();
var options = ParseOptions(args.Skip(1).ToArray());
string Opt(string name, string fallback) => options.TryGetValue(name, out var v) ? v : fallback;

switch (command)
{
    case "train":
    {
        var training = CorpusReader.Load(Path.Combine(root, Opt("corpus", "corpus"))).Split(CorpusSplit.Train);
        var model = EmbeddedModelTrainer.Train(training);
        var output = Path.Combine(root, Opt("out", EmbeddedModel.RepositoryPath));
        await File.WriteAllTextAsync(output, model.ToJson());
        Console.WriteLine($"trained on {model.TrainingIds.Count} training texts, {model.Features.Count} features, {model.Labels.Count} labels -> {output}");
        Console.WriteLine("rebuild (dotnet build) so Shared embeds the new model.json");
        return 0;
    }

    case "eval":
    {
        var setPath = Opt("set", "corpus");
        var records = CorpusReader.Load(Path.Combine(root, setPath));
        // A whole corpus folder is evaluated on its held-out split only; a single file is taken as given.
        var heldOut = Directory.Exists(Path.Combine(root, setPath)) ? records.Split(CorpusSplit.Eval) : records;
        var classifier = new EmbeddedOutcomeClassifier();
        var report = await Q2QEvaluator.RunAsync(setPath + (heldOut.Count != records.Count ? " (held-out split)" : ""), heldOut,
            new LinguaLanguageDetector(), classifier, classifier.ModelId, classifier.PromptVersion);
        var outBase = Path.Combine(root, Opt("out", "bench/results/q2q-eval"));
        Directory.CreateDirectory(Path.GetDirectoryName(outBase)!);
        await File.WriteAllTextAsync(outBase + ".json", Q2QReportWriter.ToJson(report));
        var markdown = Q2QReportWriter.ToMarkdown(report);
        await File.WriteAllTextAsync(outBase + ".md", markdown);
        Console.WriteLine(markdown[..markdown.IndexOf("\n## Labels", StringComparison.Ordinal)]);
        Console.WriteLine($"-> {outBase}.md, {outBase}.json");
        return 0;
    }

    case "tune-language":
        TuneLanguage(CorpusReader.Load(Path.Combine(root, Opt("set", "corpus"))).Split(CorpusSplit.Train));
        return 0;

    case "detect":
    {
        // One text a line on standard input: the shipped detector's answer and the candidates' scores.
        var detector = options.TryGetValue("models", out var models) ? LinguaLanguageDetector.FromModelsDirectory(models) : new LinguaLanguageDetector();
        for (var line = Console.ReadLine(); line is not null; line = Console.ReadLine())
        {
            var top = string.Join(" ", detector.Score(line).Take(4).Select(s => $"{s.Language}:{s.Confidence:F3}"));
            Console.WriteLine($"{detector.Detect(line)} [{top}] {line}");
        }

        return 0;
    }

    default:
        Console.Error.WriteLine("""
            usage: dotnet run --project tools/Q2Q -- <command> [options]
              train [--corpus corpus] [--out src/Shared/Feedback/Embedded/model.json]
                                             trains the embedded classifier on the TRAINING split
              eval [--set corpus] [--out bench/results/q2q-eval]
                                             language detection + embedded classifier on the HELD-OUT split
                                             (a single .jsonl file is evaluated whole); writes .md and .json
              tune-language [--set corpus]   threshold sweep of the language detector on the TRAINING split
              detect [--models DIR]          one text a line on stdin: the detector's answer and candidate scores
            """);
        return command is "--help" or "-h" ? 0 : 2;
}

static void TuneLanguage(IReadOnlyList<CorpusRecord> training)
{
    var detector = LinguaLanguageDetector.Create(LinguaLanguageDetector.Candidates, 0, 0);
    var scored = training.Select(r => (Record: r, Scores: detector.Score(r.Text))).ToList();
    Console.WriteLine($"training texts: {training.Count} (held-out texts are not read)");
    Console.WriteLine("min conf | min ratio | en short | uk short | no short | en long | uk long | no long | decoys as en/uk/no");
    foreach (var minConfidence in new[] { 0.0, 0.2, 0.3, 0.4 })
    {
        foreach (var ratio in new[] { 0.0, 1.2, 1.5, 2.0, 2.5, 3.0, 4.0, 6.0 })
        {
            string Guess(IReadOnlyList<(string Language, double Confidence)> s) =>
                s.Count > 0 && s[0].Language is "en" or "uk" or "no" && s[0].Confidence >= minConfidence &&
                s[0].Confidence >= ratio * (s.Count > 1 ? s[1].Confidence : 0) ? s[0].Language : LanguageGuess.Unknown;
            string Acc(string lang, string length)
            {
                var set = scored.Where(x => !x.Record.IsDecoy && x.Record.Language == lang && x.Record.Length == length).ToList();
                return Pct(set.Count(x => Guess(x.Scores) == lang), set.Count);
            }

            var decoys = scored.Where(x => x.Record.IsDecoy).ToList();
            Console.WriteLine(string.Join(" | ",
                minConfidence.ToString("F2", CultureInfo.InvariantCulture), ratio.ToString("F1", CultureInfo.InvariantCulture),
                Acc("en", "short"), Acc("uk", "short"), Acc("no", "short"), Acc("en", "long"), Acc("uk", "long"), Acc("no", "long"),
                Pct(decoys.Count(x => Guess(x.Scores) != LanguageGuess.Unknown), decoys.Count)));
        }
    }

    Console.WriteLine();
    Console.WriteLine($"misses of the shipped detector ({new LinguaLanguageDetector()}):");
    var shipped = new LinguaLanguageDetector();
    foreach (var (record, scores) in scored)
    {
        var guess = shipped.Detect(record.Text);
        if (guess.Language != record.Language)
        {
            var top = string.Join(" ", scores.Take(3).Select(s => $"{s.Language}:{s.Confidence:F2}"));
            Console.WriteLine($"  {record.Id} gold={record.Language} got={guess.Language} [{top}] {record.Text[..Math.Min(70, record.Text.Length)]}");
        }
    }
}

static string Pct(int part, int whole) => whole == 0 ? "n/a" : (100.0 * part / whole).ToString("F1", CultureInfo.InvariantCulture) + "%";

static Dictionary<string, string> ParseOptions(string[] rest)
{
    var result = new Dictionary<string, string>(StringComparer.Ordinal);
    for (var i = 0; i < rest.Length; i++)
    {
        if (rest[i].StartsWith("--", StringComparison.Ordinal) && i + 1 < rest.Length)
        {
            result[rest[i][2..]] = rest[++i];
        }
    }

    return result;
}

static string FindRepositoryRoot()
{
    for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
    {
        if (File.Exists(Path.Combine(dir.FullName, "Functions.sln")))
        {
            return dir.FullName;
        }
    }

    throw new InvalidOperationException("Run from inside the repository (no Functions.sln found above the current folder).");
}
