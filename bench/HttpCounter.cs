using System.Diagnostics;

namespace Impact.Bench;

/// <summary>Counts outgoing HTTP requests (here: the storage SDK's calls to Azurite) through System.Net.Http's ActivitySource.</summary>
internal sealed class HttpCounter : IDisposable
{
    private readonly ActivityListener listener;
    private long count;

    public HttpCounter()
    {
        listener = new ActivityListener
        {
            ShouldListenTo = s => s.Name == "System.Net.Http",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.PropagationData,
            ActivityStarted = a =>
            {
                if (a.OperationName == "System.Net.Http.HttpRequestOut")
                {
                    Interlocked.Increment(ref count);
                }
            },
        };
        ActivitySource.AddActivityListener(listener);
    }

    public long Count => Interlocked.Read(ref count);

    public void Dispose() => listener.Dispose();
}
