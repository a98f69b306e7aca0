using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Impact.Shared.Feedback;
using Impact.Shared.Feedback.Corpus;
using Impact.Shared.Feedback.Embedded;
using Impact.Shared.Feedback.Language;
using Impact.Shared.Feedback.Screening;
using Impact.TestSupport;

namespace Impact.Bench;

/// <summary>
/// Cost per feedback text of the text-intelligence stages, single-threaded, over every corpus text (EN/UK/NO short
/// and long plus decoys), next to a bare regex pass (one compiled keyword alternation) over the same texts.
/// Stages are a list: a new one (e.g. safety screening) is one more entry in <see cref="Stages"/>. Rounds interleave
/// the stages so that load from other work on the machine falls on all of them alike.
/// </summary>
public sealed partial class Q2QScenario : IScenario
{
    private const int Rounds = 5;

    public string Name => "q2q";

    /// <summary>One measured step: its name and what it does to one text (returns something so the work is not optimised away).</summary>
    public sealed record Stage(string Name, Func<string, int> Run);

    /// <summary>The stages, baseline first; the last is what the pipeline does to a text before it writes anything.</summary>
    public static List<Stage> Stages(TextScreener screener, LinguaLanguageDetector detector, EmbeddedOutcomeClassifier classifier) =>
    [
        new("regex baseline", t => Keywords().Count(t)),
        new("safety screening", t => screener.Screen(t).Scores.Count),
        new("language detection", t => detector.Detect(t).Language.Length),
        new("embedded classification", t => classifier.Classify(t).Evidence.Count),
        new("detection + classification", t => detector.Detect(t).Language.Length + classifier.Classify(t).Evidence.Count),
        new("screening + detection + classification (the pipeline)", t =>
        {
            var screening = screener.Screen(t);
            return screening.Risk == RiskLevel.High ? 0 : detector.Detect(t).Language.Length + classifier.Classify(screening.MaskedText).Evidence.Count;
        }),
    ];

    public Task<string> RunAsync(string[] args)
    {
        var rounds = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : Rounds;
        var texts = CorpusReader.Load(Path.Combine(LocalServices.RepositoryRoot, "corpus")).Select(r => r.Text).ToList();

        var before = Process.GetCurrentProcess().WorkingSet64;
        var load = Stopwatch.StartNew();
        var screener = new TextScreener();
        screener.Screen("warm up");
        var detector = new LinguaLanguageDetector();
        var classifier = new EmbeddedOutcomeClassifier();
        load.Stop();
        GC.Collect();
        var managedAfterLoad = GC.GetTotalMemory(forceFullCollection: true);
        var workingSetAfterLoad = Process.GetCurrentProcess().WorkingSet64;

        var stages = Stages(screener, detector, classifier);
        var sink = 0;
        foreach (var stage in stages)
        {
            // Warm-up pass: JIT, lazy structures.
            foreach (var t in texts)
            {
                sink += stage.Run(t);
            }
        }

        var latencies = stages.Select(_ => new List<double>(texts.Count * rounds)).ToList();
        var seconds = new double[stages.Count];
        var allocated = new long[stages.Count];
        for (var round = 0; round < rounds; round++)
        {
            for (var s = 0; s < stages.Count; s++)
            {
                var allocBefore = GC.GetAllocatedBytesForCurrentThread();
                var wall = Stopwatch.StartNew();
                foreach (var t in texts)
                {
                    var start = Stopwatch.GetTimestamp();
                    sink += stages[s].Run(t);
                    latencies[s].Add(Stats.Ms(Stopwatch.GetTimestamp() - start) * 1000);
                }

                seconds[s] += wall.Elapsed.TotalSeconds;
                allocated[s] += GC.GetAllocatedBytesForCurrentThread() - allocBefore;
            }
        }

        var peak = Process.GetCurrentProcess().PeakWorkingSet64;
        var report = new StringBuilder();
        report.AppendLine(CultureInfo.InvariantCulture, $"{texts.Count} corpus texts (mean {texts.Average(t => t.Length):F0} characters) × {rounds} rounds per stage, one thread, stages interleaved per round.");
        report.AppendLine(CultureInfo.InvariantCulture, $"Load average at the start: {File.ReadAllText("/proc/loadavg").Trim()} on {Environment.ProcessorCount} shared cores (other engineers' builds run there too).");
        report.AppendLine();
        report.AppendLine("| stage | texts/s | p50 per text | p99 per text | allocated per text | time vs regex |");
        report.AppendLine("|---|---:|---:|---:|---:|---:|");
        var baselineRate = texts.Count * rounds / seconds[0];
        for (var s = 0; s < stages.Count; s++)
        {
            latencies[s].Sort();
            var rate = texts.Count * rounds / seconds[s];
            report.AppendLine(CultureInfo.InvariantCulture,
                $"| {stages[s].Name} | {rate:F0} | {Stats.F(Stats.Percentile(latencies[s], 50), 1)} µs | {Stats.F(Stats.Percentile(latencies[s], 99), 1)} µs | {allocated[s] / (texts.Count * rounds) / 1024.0:F1} KiB | {baselineRate / rate:F1}× |");
        }

        report.AppendLine();
        report.AppendLine(CultureInfo.InvariantCulture, $"Memory: loading the screener (word lists, libphonenumber), the detector (12 Lingua languages, preloaded) and the embedded model took {load.Elapsed.TotalSeconds:F1} s; " +
            $"managed heap after load {managedAfterLoad / 1048576.0:F0} MiB, working set {before / 1048576.0:F0} → {workingSetAfterLoad / 1048576.0:F0} MiB, peak {peak / 1048576.0:F0} MiB.");
        report.AppendLine(CultureInfo.InvariantCulture, $"(checksum {sink % 1000})");
        return Task.FromResult(report.ToString());
    }

    // A bare keyword scan of the kind a rules-only classifier would run: the floor any real stage is compared to.
    [GeneratedRegex(@"\b(confiden\w*|nervous|welcome|alone|lonely|cv|resume|interview\w*|job\w*|mentor\w*|certific\w*|portfolio|goal|frustrat\w*|bored|quit|confus\w*|trygg\w*|ensom\w*|jobb\w*|intervju\w*|впевнен\w*|самотн\w*|резюме|співбесід\w*|роботу|наставни\w*)\b", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex Keywords();
}
