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
    private volatile bool created;

    /// <summary>
    /// Puts a message on the queue, creating the queue the first time if it does not exist; the current trace
    /// context goes with it unless the message carries one.
    /// </summary>
    /// <exception cref="RequestFailedException">The queue service answered with an error.</exception>
    public async Task SendAsync(WebhookMessage message, CancellationToken ct = default)
    {
        // The trace of whoever queues it (the webhook request, a replay, the sweeper) goes with the message.
        if (message.TraceParent is null && Activity.Current is { IdFormat: ActivityIdFormat.W3C } current)
        {
            message = message with { TraceParent = current.Id };
        }

        var body = JsonSerializer.Serialize(message, JsonDefaults.Web);
        if (!created)
        {
            await queue.CreateIfNotExistsAsync(cancellationToken: ct);
            created = true;
        }

        await queue.SendMessageAsync(body, ct);
    }

    /// <summary>Reads a queue message body.</summary>
    /// <exception cref="JsonException">The message is not a <see cref="WebhookMessage"/>.</exception>
    public static WebhookMessage Parse(string body) =>
        JsonSerializer.Deserialize<WebhookMessage>(body, JsonDefaults.Web) is { Source.Length: > 0, DeliveryId.Length: > 0 } m
            ? m
            : throw new JsonException("A webhook queue message needs source and deliveryId.");
}
