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

    private static int ReadMaxDequeueCount()
    {
        var hostJson = Path.Combine(LocalServices.RepositoryRoot, "src", "Ingest.Functions", "host.json");
        using var doc = JsonDocument.Parse(File.ReadAllText(hostJson));
        return doc.RootElement.GetProperty("extensions").GetProperty("queues").GetProperty("maxDequeueCount").GetInt32();
    }
}
