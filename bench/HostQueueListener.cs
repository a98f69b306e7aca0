using System.Text.Json;
using Azure.Storage.Queues;
using Azure.Storage.Queues.Models;
using Impact.TestSupport;

namespace Impact.Bench;

/// <summary>
/// A queue trigger fed from a real Azurite queue the way the Functions host's queue listener feeds it (the host
/// cannot run here): messages are fetched <c>batchSize</c> at a time and run at once; a new batch is fetched
/// when the messages in flight drop to <c>newBatchThreshold</c> (default batchSize / 2); an empty queue is
/// polled with a randomised exponential backoff from 100 ms up to <c>maxPollingInterval</c> (default 1 min);
/// a handler that succeeds has its message deleted, one that throws makes it visible again after
/// <c>visibilityTimeout</c>, and after <c>maxDequeueCount</c> dequeues it moves to the <c>-poison</c> queue.
/// The settings are read from the app's host.json, as the host does. Unlike the tests' <c>QueueHost</c> it runs
/// continuously beside the senders until stopped.
/// </summary>
public sealed class HostQueueListener
{
    private readonly QueueClient queue;
    private readonly QueueClient poison;
    private readonly Func<string, CancellationToken, Task> handler;
    private readonly Random random = new(7);
    private int inFlight;
    private long handled;
    private long failed;
    private long receives;
    private long emptyReceives;
    private long storageErrors;

    public HostQueueListener(QueueClient queue, QueueClient poison, Func<string, CancellationToken, Task> handler)
    {
        this.queue = queue;
        this.poison = poison;
        this.handler = handler;
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(LocalServices.RepositoryRoot, "src", "Ingest.Functions", "host.json")));
        var q = doc.RootElement.GetProperty("extensions").GetProperty("queues");
        BatchSize = q.TryGetProperty("batchSize", out var b) ? b.GetInt32() : 16;
        NewBatchThreshold = q.TryGetProperty("newBatchThreshold", out var t) ? t.GetInt32() : BatchSize / 2;
        MaxDequeueCount = q.TryGetProperty("maxDequeueCount", out var m) ? m.GetInt32() : 5;
        VisibilityTimeout = q.TryGetProperty("visibilityTimeout", out var v) ? TimeSpan.Parse(v.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : TimeSpan.Zero;
        MaxPollingInterval = q.TryGetProperty("maxPollingInterval", out var p) ? TimeSpan.Parse(p.GetString()!, System.Globalization.CultureInfo.InvariantCulture) : TimeSpan.FromMinutes(1);
    }

    public int BatchSize { get; }

    public int NewBatchThreshold { get; }

    public int MaxDequeueCount { get; }

    public TimeSpan VisibilityTimeout { get; }

    public TimeSpan MaxPollingInterval { get; }

    /// <summary>Messages whose handler returned (and were deleted).</summary>
    public long Handled => Interlocked.Read(ref handled);

    /// <summary>Handler calls that threw.</summary>
    public long Failed => Interlocked.Read(ref failed);

    /// <summary>Receive calls made, and how many of them found nothing.</summary>
    public (long All, long Empty) Receives => (Interlocked.Read(ref receives), Interlocked.Read(ref emptyReceives));

    /// <summary>Storage calls of the listener that failed (polls, deletes, visibility updates).</summary>
    public long StorageErrors => Interlocked.Read(ref storageErrors);

    public string Describe() =>
        $"batchSize {BatchSize}, newBatchThreshold {NewBatchThreshold}, maxPollingInterval {MaxPollingInterval.TotalSeconds:0.#} s, " +
        $"visibilityTimeout {VisibilityTimeout.TotalSeconds:0.#} s, maxDequeueCount {MaxDequeueCount}";

    /// <summary>Runs until <paramref name="stop"/> is cancelled; then waits for the messages in flight.</summary>
    public async Task RunAsync(CancellationToken stop)
    {
        var running = new List<Task>();
        var backoff = TimeSpan.Zero;
        var room = new SemaphoreSlim(0);
        while (!stop.IsCancellationRequested)
        {
            if (Volatile.Read(ref inFlight) > NewBatchThreshold)
            {
                // The host waits for a handler to finish before it looks again.
                await room.WaitAsync(TimeSpan.FromSeconds(1), CancellationToken.None);
                continue;
            }

            QueueMessage[] messages;
            try
            {
                // The host's lease: 10 minutes, renewed while a handler runs; the handlers here finish well inside it.
                messages = (await queue.ReceiveMessagesAsync(BatchSize, TimeSpan.FromMinutes(10), stop)).Value;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is Azure.RequestFailedException or AggregateException or HttpRequestException or TimeoutException)
            {
                // The host logs a failed poll and polls again later.
                Interlocked.Increment(ref storageErrors);
                await Task.Delay(TimeSpan.FromSeconds(1), CancellationToken.None);
                continue;
            }

            Interlocked.Increment(ref receives);
            if (messages.Length == 0)
            {
                Interlocked.Increment(ref emptyReceives);
                backoff = backoff == TimeSpan.Zero
                    ? TimeSpan.FromMilliseconds(100)
                    : TimeSpan.FromTicks(Math.Min(MaxPollingInterval.Ticks, backoff.Ticks * 2));
                var wait = TimeSpan.FromTicks((long)(backoff.Ticks * (0.8 + (0.4 * random.NextDouble()))));
                try
                {
                    await Task.Delay(wait, stop);
                }
                catch (OperationCanceledException)
                {
                    break;
                }

                continue;
            }

            backoff = TimeSpan.Zero;
            running.RemoveAll(t => t.IsCompleted);
            foreach (var m in messages)
            {
                Interlocked.Increment(ref inFlight);
                running.Add(Task.Run(async () =>
                {
                    try
                    {
                        await HandleOneAsync(m);
                    }
                    finally
                    {
                        Interlocked.Decrement(ref inFlight);
                        room.Release();
                    }
                }, CancellationToken.None));
            }
        }

        await Task.WhenAll(running);
    }

    private async Task HandleOneAsync(QueueMessage m)
    {
        try
        {
            await HandleAndCompleteAsync(m);
        }
        catch (Exception e) when (e is Azure.RequestFailedException or AggregateException or HttpRequestException or TimeoutException)
        {
            // A delete (or visibility update) the storage did not answer: the message comes back after its lease and is
            // handled again (the handler finds the delivery done), as with the host.
            Interlocked.Increment(ref storageErrors);
        }
    }

    private async Task HandleAndCompleteAsync(QueueMessage m)
    {
        try
        {
            await handler(m.Body.ToString(), CancellationToken.None);
        }
        catch (Exception)
        {
            Interlocked.Increment(ref failed);
            if (m.DequeueCount >= MaxDequeueCount)
            {
                await poison.SendMessageAsync(m.Body);
                await queue.DeleteMessageAsync(m.MessageId, m.PopReceipt);
            }
            else
            {
                await queue.UpdateMessageAsync(m.MessageId, m.PopReceipt, visibilityTimeout: VisibilityTimeout);
            }

            return;
        }

        await queue.DeleteMessageAsync(m.MessageId, m.PopReceipt);
        Interlocked.Increment(ref handled);
    }
}
