using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Impact.Shared.Feedback.Screening;
using Impact.TestSupport;

namespace Impact.Bench.Feedback;

/// <summary>
/// Safety screening throughput: <see cref="TextScreener"/> over feedback-like texts built from
/// corpus/safety (traps, true positives, PII cases, one to six lines per text), next to a bare regex
/// pass over the same texts (e-mail, digit runs and links: the baseline) and a regex pass with one
/// compiled whole-word alternation of the lexicon words. Interleaved rounds so machine load falls on all alike.
/// </summary>
public sealed class ScreeningScenario : IScenario
{
    private const int Texts = 20_000, Rounds = 5, WarmUp = 2_000;

    public string Name => "screening";

    public Task<string> RunAsync(string[] args)
    {
        var texts = BuildTexts();
        var languages = texts.Select(t => t.Language).ToArray();
        var bodies = texts.Select(t => t.Text).ToArray();

        var before = GC.GetTotalMemory(forceFullCollection: true);
        var loadWatch = Stopwatch.StartNew();
        var screener = new TextScreener();
        screener.Screen("warm", null);
        loadWatch.Stop();
        var screenerBytes = GC.GetTotalMemory(forceFullCollection: true) - before;
        var baseline = new RegexBaseline();

        // Warm-up (JIT, regex interpreters, libphonenumber metadata).
        for (var i = 0; i < WarmUp; i++)
        {
            screener.Screen(bodies[i % bodies.Length], languages[i % bodies.Length]);
            baseline.ScanBare(bodies[i % bodies.Length]);
            baseline.ScanWords(bodies[i % bodies.Length]);
        }

        var subjects = new (string Name, Func<int, int> Call)[]
        {
            ("`TextScreener.Screen`", i => screener.Screen(bodies[i], languages[i]).Risk > Impact.Shared.Feedback.RiskLevel.None ? 1 : 0),
            ("bare regex pass: e-mail, digit runs, links (baseline)", i => baseline.ScanBare(bodies[i])),
            ("regex pass with the lexicon words (one whole-word alternation, ignore case)", i => baseline.ScanWords(bodies[i])),
        };
        var ms = subjects.Select(_ => new List<double>(Texts * Rounds)).ToArray();
        var alloc = new long[subjects.Length];
        var ticks = new long[subjects.Length];
        var hits = new long[subjects.Length];
        for (var round = 0; round < Rounds; round++)
        {
            for (var k = 0; k < subjects.Length; k++)
            {
                var a0 = GC.GetAllocatedBytesForCurrentThread();
                var t0 = Stopwatch.GetTimestamp();
                for (var i = 0; i < bodies.Length; i++)
                {
                    var s = Stopwatch.GetTimestamp();
                    hits[k] += subjects[k].Call(i);
                    ms[k].Add(Stats.Ms(Stopwatch.GetTimestamp() - s));
                }

                ticks[k] += Stopwatch.GetTimestamp() - t0;
                alloc[k] += GC.GetAllocatedBytesForCurrentThread() - a0;
            }
        }

        // Both cores: the same texts by Parallel.For over the one shared instance.
        var parallel = subjects.Select(subject =>
        {
            var watch = Stopwatch.StartNew();
            Parallel.For(0, bodies.Length, i => subject.Call(i));
            return Texts / watch.Elapsed.TotalSeconds;
        }).ToArray();

        foreach (var list in ms)
        {
            list.Sort();
        }

        // Per-text cost without the preemption of a loaded machine: each of 2,000 texts timed 10 times, the fastest kept.
        var repeated = new List<double>(2_000);
        for (var i = 0; i < 2_000; i++)
        {
            var fastest = double.MaxValue;
            for (var r = 0; r < 10; r++)
            {
                var s = Stopwatch.GetTimestamp();
                screener.Screen(bodies[i], languages[i]);
                fastest = Math.Min(fastest, Stats.Ms(Stopwatch.GetTimestamp() - s));
            }

            repeated.Add(fastest);
        }

        repeated.Sort();

        var calls = (double)Texts * Rounds;
        var rate = ticks.Select(t => calls / Stats.Ms(t) * 1000).ToArray();
        var chars = bodies.Sum(b => (long)b.Length);
        var load = File.Exists("/proc/loadavg") ? File.ReadAllText("/proc/loadavg").Split(' ').Take(3) : ["?"];
        var inv = CultureInfo.InvariantCulture;

        var sb = new StringBuilder();
        sb.AppendLine(inv, $"Machine: {Environment.ProcessorCount} cores, load average at the end: {string.Join(' ', load)} (shared with other engineers' runs: read the medians and the ratios).");
        sb.AppendLine();
        sb.AppendLine(inv, $"Texts: {Texts:N0} built from corpus/safety (1–6 labelled lines each, mean {chars / (double)Texts:F0} characters, languages en/no/uk, a quarter screened without a language), {Rounds} interleaved rounds after {WarmUp:N0} warm-up calls each, one thread; per-text times from `Stopwatch` around each call, allocations from `GC.GetAllocatedBytesForCurrentThread`.");
        sb.AppendLine();
        sb.AppendLine("| what | texts/s (1 thread) | median µs | p99 µs | bytes allocated / text | texts/s (Parallel.For, all cores) | median time / baseline | p99 / baseline |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---:|---:|");
        for (var k = 0; k < subjects.Length; k++)
        {
            sb.AppendLine(inv, $"| {subjects[k].Name} | {rate[k]:N0} | {Stats.Percentile(ms[k], 50) * 1000:F1} | {Stats.Percentile(ms[k], 99) * 1000:F1} | {alloc[k] / calls:N0} | {parallel[k]:N0} | {Stats.Percentile(ms[k], 50) / Stats.Percentile(ms[1], 50):F2}× | {Stats.Percentile(ms[k], 99) / Stats.Percentile(ms[1], 99):F2}× |");
        }

        sb.AppendLine();
        sb.AppendLine(inv, $"Single calls on 2 shared cores are preempted now and then, which is what the p99 column mostly shows. Timed as the fastest of 10 calls each (2,000 texts), which leaves out preemption, `TextScreener.Screen` takes median {Stats.Percentile(repeated, 50) * 1000:F1} µs, p99 {Stats.Percentile(repeated, 99) * 1000:F1} µs, max {repeated[^1] * 1000:F1} µs per text.");
        sb.AppendLine();
        sb.AppendLine(inv, $"Memory: the screener (three lexicons expanded to their surface forms, libphonenumber metadata) adds {screenerBytes / 1024.0 / 1024.0:F1} MB of managed heap after construction and its first call ({loadWatch.Elapsed.TotalMilliseconds:F0} ms, once per process: it is a singleton). Process peak working set: {Process.GetCurrentProcess().PeakWorkingSet64 / 1024.0 / 1024.0:F0} MB.");
        sb.AppendLine();
        sb.AppendLine(inv, $"Results per round: the screener rated {hits[0] / Rounds:N0} of {Texts:N0} texts LOW or above (the texts are built from the corpus, which is mostly traps, true positives and PII); the regex passes matched {hits[1] / Rounds:N0} and {hits[2] / Rounds:N0} times (no inflections, checksums, phone validation or scores: they only show what a scan costs).");
        return Task.FromResult(sb.ToString());
    }

    private static List<(string Text, string? Language)> BuildTexts()
    {
        var lines = new List<(string Text, string Lang)>();
        foreach (var file in new[] { "traps.jsonl", "positives.jsonl", "pii.jsonl" })
        {
            foreach (var json in File.ReadLines(Path.Combine(LocalServices.RepositoryRoot, "corpus", "safety", file)).Where(l => l.Length > 0))
            {
                using var doc = JsonDocument.Parse(json);
                lines.Add((doc.RootElement.GetProperty("text").GetString()!, doc.RootElement.GetProperty("lang").GetString()!));
            }
        }

        var byLanguage = lines.GroupBy(l => l.Lang).ToDictionary(g => g.Key, g => g.Select(l => l.Text).ToArray());
        var random = new Random(42);
        var texts = new List<(string, string?)>(Texts);
        string[] languages = ["en", "no", "uk"];
        for (var i = 0; i < Texts; i++)
        {
            var language = languages[random.Next(3)];
            var pool = byLanguage[language];
            var text = string.Join(' ', Enumerable.Range(0, 1 + random.Next(6)).Select(_ => pool[random.Next(pool.Length)]));
            texts.Add((text, i % 4 == 0 ? null : language)); // a quarter screened without a language
        }

        return texts;
    }

    private sealed class RegexBaseline
    {
        private readonly Regex _words;
        private readonly Regex _email = new(@"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", RegexOptions.Compiled | RegexOptions.CultureInvariant);
        private readonly Regex _digits = new(@"\+?\d[\d \-]{6,}\d", RegexOptions.Compiled | RegexOptions.CultureInvariant);

        public RegexBaseline()
        {
            var forms = new HashSet<string>(StringComparer.Ordinal);
            foreach (var file in Directory.GetFiles(Path.Combine(LocalServices.RepositoryRoot, "src", "Shared", "Feedback", "Screening", "Lexicons"), "*.txt"))
            {
                foreach (var line in File.ReadLines(file).Where(l => l.Length > 0 && l[0] is not '#' and not '@'))
                {
                    // Every alternative of the first word of each entry, stems as written: no suffixes, no phrases.
                    foreach (var alternative in line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[2].Split('|'))
                    {
                        forms.Add(Regex.Escape(alternative.Split('+')[0]));
                    }
                }
            }

            _words = new Regex(@"\b(?:" + string.Join('|', forms.OrderByDescending(f => f.Length)) + @")\b",
                RegexOptions.Compiled | RegexOptions.IgnoreCase | RegexOptions.CultureInvariant);
        }

        private readonly Regex _links = new(@"\b(?:https?://|www\.)\S+", RegexOptions.Compiled | RegexOptions.CultureInvariant);

        public int ScanBare(string text) => _email.Count(text) + _digits.Count(text) + _links.Count(text);

        public int ScanWords(string text) => _words.Count(text);
    }
}
