using System.Diagnostics;

namespace Impact.Bench;

/// <summary>Counts commands through Npgsql's ActivitySource (one per command or batch sent).</summary>
internal sealed class CommandCounter : IDisposable
{
    private readonly ActivityListener listener;
    private long count;

    public CommandCounter()
    {
        listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == "Npgsql",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllData,
            ActivityStarted = _ => Interlocked.Increment(ref count),
        };
        ActivitySource.AddActivityListener(listener);
    }

    public long Count => Interlocked.Read(ref count);

    public void Reset() => Interlocked.Exchange(ref count, 0);

    public void Dispose() => listener.Dispose();
}
