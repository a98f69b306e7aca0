using System.Text.Json;
using Azure.Storage.Queues;
using Impact.TestSupport;

namespace Impact.Ingest.Tests;

/// <summary>
/// Delivers messages from a real Azurite queue to a queue-trigger method with the Functions host's
/// documented semantics, since the host itself cannot run here: a message whose handler throws
/// becomes visible again; once it has been dequeued <c>maxDequeueCount</c> times (read from the
/// app's host.json) it moves to the <c>-poison</c> queue.
/// </summary>
public sealed class QueueHost(QueueClient queue, QueueClient poison)
{
    public static int MaxDequeueCount { get; } = ReadMaxDequeueCount();

    /// <summary>Runs until the queue is empty; returns how many handler calls failed.</summary>
    public async Task<int> DrainAsync(Func<string, Task> handler, int maxRounds = 50)
    {
        var failures = 0;
        for (var round = 0; round < maxRounds; round++)
        {
            var messages = (await queue.ReceiveMessagesAsync(maxMessages: 32, visibilityTimeout: TimeSpan.FromSeconds(30))).Value;
            if (messages.Length == 0)
            {
                return failures;
            }

            foreach (var m in messages)
            {
                try
                {
                    await handler(m.Body.ToString());
                    await queue.DeleteMessageAsync(m.MessageId, m.PopReceipt);
                }
                catch (Exception) when (m.DequeueCount >= MaxDequeueCount)
                {
                    failures++;
                    await poison.SendMessageAsync(m.Body);
                    await queue.DeleteMessageAsync(m.MessageId, m.PopReceipt);
                }
                catch (Exception)
                {
                    failures++;
                    await queue.UpdateMessageAsync(m.MessageId, m.PopReceipt, visibilityTimeout: TimeSpan.Zero);
                }
            }
        }

        throw new InvalidOperationException($"queue {queue.Name} still had messages after {maxRounds} rounds");
    }

    /// <summary>
    /// Like the host under load: takes up to <paramref name="batchSize"/> messages at a time and runs them at once,
    /// and keeps polling while messages are still on the queue but not yet visible (sent with a delay) — until
    /// the queue is empty and <paramref name="done"/> holds. Returns how many handler calls failed.
    /// <paramref name="timeout"/> only guards against a hang; it is not a speed assertion.
    /// </summary>
    public async Task<int> RunUntilEmptyAsync(Func<string, Task> handler, Func<Task<bool>> done, TimeSpan timeout, int batchSize = 16)
    {
        var failures = 0;
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            // A long lease: a handler may wait (e.g. for a test's outage to begin) without its message coming back meanwhile.
            var messages = (await queue.ReceiveMessagesAsync(maxMessages: batchSize, visibilityTimeout: TimeSpan.FromMinutes(2))).Value;
            if (messages.Length == 0)
            {
                if ((await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount == 0 && await done())
                {
                    return failures;
                }

                if (DateTime.UtcNow > deadline)
                {
                    throw new TimeoutException($"queue {queue.Name} not finished after {timeout.TotalSeconds:F0} s");
                }

                await Task.Delay(100);
                continue;
            }

            var results = await Task.WhenAll(messages.Select(async m =>
            {
                try
                {
                    await handler(m.Body.ToString());
                    await queue.DeleteMessageAsync(m.MessageId, m.PopReceipt);
                    return true;
                }
                catch (Exception) when (m.DequeueCount >= MaxDequeueCount)
                {
                    await poison.SendMessageAsync(m.Body);
                    await queue.DeleteMessageAsync(m.MessageId, m.PopReceipt);
                    return false;
                }
                catch (Exception)
                {
                    await queue.UpdateMessageAsync(m.MessageId, m.PopReceipt, visibilityTimeout: TimeSpan.Zero);
                    return false;
                }
            }));
            failures += results.Count(ok => !ok);
        }
    }

    private static int ReadMaxDequeueCount()
    {
        var hostJson = Path.Combine(LocalServices.RepositoryRoot, "src", "Ingest.Functions", "host.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(hostJson));
        return doc.RootElement.GetProperty("extensions").GetProperty("queues").GetProperty("maxDequeueCount").GetInt32();
    }
}
