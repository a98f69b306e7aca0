using System.Diagnostics;
using System.Text.Json;
using Azure;
using Azure.Storage.Queues;
using Microsoft.Extensions.Options;

namespace Impact.Shared.Webhooks;

/// <summary>The Azure Storage queue between accepting a delivery and processing it.</summary>
public sealed class WebhookQueue(QueueServiceClient queues, IOptions<WebhookQueueOptions> options)
{
    /// <summary>The queue's name unless <c>WebhookQueueName</c> says otherwise.</summary>
    public const string DefaultName = "webhook-ingest";

    /// <summary>The queue trigger's binding expression for the ingest queue.</summary>
    public const string TriggerQueue = "%" + WebhookQueueOptions.SettingName + "%";

    /// <summary>The Functions host moves a message here after <c>maxDequeueCount</c> failed attempts.</summary>
    public const string TriggerPoisonQueue = TriggerQueue + "-poison";

    private readonly QueueClient queue = queues.GetQueueClient(options.Value.WebhookQueueName);
    private readonly QueueClient poison = queues.GetQueueClient(options.Value.WebhookQueueName + "-poison");
    private volatile bool created;
    private volatile bool poisonCreated;

    /// <summary>
    /// Puts a message on the queue, creating the queue the first time if it does not exist; the current trace
    /// context goes with it unless the message carries one.
    /// </summary>
    /// <exception cref="RequestFailedException">The queue service answered with an error.</exception>
    public Task SendAsync(WebhookMessage message, CancellationToken ct = default) => SendAsync(message, TimeSpan.Zero, ct);

    /// <summary>Puts a message on the queue that becomes visible only after <paramref name="delay"/>.</summary>
    /// <exception cref="RequestFailedException">The queue service answered with an error.</exception>
    public async Task SendAsync(WebhookMessage message, TimeSpan delay, CancellationToken ct = default)
    {
        // The trace of whoever queues it (the webhook request, a replay, the sweeper) goes with the message.
        if (message.TraceParent is null && Activity.Current is { IdFormat: ActivityIdFormat.W3C } current)
        {
            message = message with { TraceParent = current.Id };
        }

        if (!created)
        {
            await queue.CreateIfNotExistsAsync(cancellationToken: ct);
            created = true;
        }

        await SendAsync(queue, message, delay, ct);
    }

    /// <summary>
    /// Puts a message back on the poison queue, visible after <paramref name="delay"/>: the dead-letter
    /// function could not handle it yet. (A queue named <c>-poison</c> has no poison queue of its own.)
    /// </summary>
    /// <exception cref="RequestFailedException">The queue service answered with an error.</exception>
    public async Task SendPoisonAsync(WebhookMessage message, TimeSpan delay, CancellationToken ct = default)
    {
        if (!poisonCreated)
        {
            await poison.CreateIfNotExistsAsync(cancellationToken: ct);
            poisonCreated = true;
        }

        await SendAsync(poison, message, delay, ct);
    }

    /// <summary>
    /// When the message at the front of the queue was inserted, or null when no message is visible (an empty queue, or one
    /// that does not exist yet). In a backlog, a delivery touched after this still has its message waiting behind it.
    /// </summary>
    /// <exception cref="RequestFailedException">The queue service answered with an error other than a missing queue.</exception>
    public async Task<DateTimeOffset?> OldestWaitingAsync(CancellationToken ct = default)
    {
        try
        {
            var peeked = (await queue.PeekMessagesAsync(1, ct)).Value;
            return peeked.Length == 0 ? null : peeked[0].InsertedOn;
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    private static async Task SendAsync(QueueClient client, WebhookMessage message, TimeSpan delay, CancellationToken ct)
    {
        var body = JsonSerializer.Serialize(message, JsonDefaults.Web);
        await client.SendMessageAsync(body, delay > TimeSpan.Zero ? delay : null, timeToLive: null, ct);
    }

    /// <summary>Reads a queue message body.</summary>
    /// <exception cref="JsonException">The message is not a <see cref="WebhookMessage"/>.</exception>
    public static WebhookMessage Parse(string body) =>
        JsonSerializer.Deserialize<WebhookMessage>(body, JsonDefaults.Web) is { Source.Length: > 0, DeliveryId.Length: > 0 } m
            ? m
            : throw new JsonException("A webhook queue message needs source and deliveryId.");
}
