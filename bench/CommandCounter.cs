using System.Collections.Concurrent;
using System.Diagnostics;

namespace Impact.Bench;

/// <summary>
/// Counts commands through Npgsql's ActivitySource (one per command or batch sent), and sums the time
/// each kind of statement took (client side: sent to result read), keyed by its first words.
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
            ActivityStopped = a =>
            {
                var text = (a.GetTagItem("db.query.text") ?? a.GetTagItem("db.statement")) as string ?? a.DisplayName;
                var key = Key(text);
                byStatement.AddOrUpdate(key, (1, a.Duration.TotalMilliseconds), (_, v) => (v.Count + 1, v.Ms + a.Duration.TotalMilliseconds));
            },
        };
        ActivitySource.AddActivityListener(listener);
    }

    public long Count => Interlocked.Read(ref count);

    /// <summary>Statements since the last <see cref="Reset"/>: first words, how many, total milliseconds.</summary>
    public IReadOnlyList<(string Statement, long Count, double Ms)> Statements =>
        byStatement.Select(kv => (kv.Key, kv.Value.Count, kv.Value.Ms)).OrderByDescending(s => s.Ms).ToList();

    public void Reset()
    {
        Interlocked.Exchange(ref count, 0);
        byStatement.Clear();
    }

    public void Dispose() => listener.Dispose();

    private static string Key(string text)
    {
        var words = text.Split((char[])[' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries);
        return string.Join(' ', words.Take(6));
    }
}
