using System.Collections.Concurrent;
using System.Diagnostics;

namespace Impact.Bench;

/// <summary>
/// Counts commands through Npgsql's ActivitySource (one per command or batch sent), and sums their time by statement
/// (from sending the command until its results are read): a profile of where a run spends its time in SQL.
/// </summary>
internal sealed class CommandCounter : IDisposable
{
    private readonly ActivityListener listener;
    private readonly ConcurrentDictionary<string, (long Count, double Ms)> byStatement = new();
    private long count;

    public CommandCounter()
    {
        listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == "Npgsql",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStarted = _ => Interlocked.Increment(ref count),
            ActivityStopped = a => byStatement.AddOrUpdate(Label(a), _ => (1, a.Duration.TotalMilliseconds),
                (_, v) => (v.Count + 1, v.Ms + a.Duration.TotalMilliseconds)),
        };
        ActivitySource.AddActivityListener(listener);
    }

    public long Count => Interlocked.Read(ref count);

    /// <summary>Time in SQL since the last reset, by statement (its first meaningful line), largest first.</summary>
    public IReadOnlyList<(string Statement, long Count, double Ms)> Profile =>
        [.. byStatement.Select(x => (x.Key, x.Value.Count, x.Value.Ms)).OrderByDescending(x => x.Ms)];

    /// <summary>All the time spent in SQL since the last reset.</summary>
    public double SqlMs => byStatement.Values.Sum(v => v.Ms);

    public void Reset()
    {
        Interlocked.Exchange(ref count, 0);
        byStatement.Clear();
    }

    public void Dispose() => listener.Dispose();

    private static string Label(Activity a)
    {
        var text = a.GetTagItem("db.query.text") as string ?? a.GetTagItem("db.statement") as string ?? a.DisplayName;
        var line = text.Split('\n').Select(l => l.Trim()).FirstOrDefault(l => l.Length > 0 && !l.StartsWith("--", StringComparison.Ordinal)) ?? text;
        return line.Length > 90 ? line[..90] + "…" : line;
    }
}
