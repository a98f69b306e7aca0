using Impact.Shared.Storage;
using Impact.Shared.Telemetry;
using Impact.Shared.Webhooks;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace Impact.Ingest.Webhooks;

/// <summary>
/// Processes queued deliveries. A failure is recorded on the delivery and rethrown, so the host retries;
/// after <c>maxDequeueCount</c> (3, host.json) the host moves the message to the poison queue, where
/// <see cref="DeadLetterWebhook"/> marks the delivery dead-lettered for an operator.
/// </summary>
public sealed partial class WebhookQueueTriggers(KintellProcessor processor, WebhookDeliveries deliveries, ILogger<WebhookQueueTriggers> logger)
{
    [Function(nameof(ProcessWebhook))]
    public async Task ProcessWebhook(
        [QueueTrigger(WebhookQueue.TriggerQueue, Connection = StorageClients.ConnectionName)] string message, CancellationToken ct)
    {
        var m = WebhookQueue.Parse(message);
        using var activity = WebhookTracing.StartProcessing(m);
        var outcome = await processor.ProcessAsync(m.Source, m.DeliveryId, ct);
        if (outcome == ProcessOutcome.NotFound)
        {
            LogNotFound(logger, m.Source, m.DeliveryId);
        }
    }

    [Function(nameof(DeadLetterWebhook))]
    public async Task DeadLetterWebhook(
        [QueueTrigger(WebhookQueue.TriggerPoisonQueue, Connection = StorageClients.ConnectionName)] string message, CancellationToken ct)
    {
        var m = WebhookQueue.Parse(message);
        if (await deliveries.MarkDeadLetteredAsync(m.Source, m.DeliveryId, ct))
        {
            ImpactTelemetry.WebhooksDeadLettered.Add(1, new KeyValuePair<string, object?>("source", m.Source));
            LogDeadLettered(logger, m.Source, m.DeliveryId);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Source} delivery {DeliveryId} not found; message dropped")]
    private static partial void LogNotFound(ILogger logger, string source, string deliveryId);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Source} delivery {DeliveryId} dead-lettered after repeated failures")]
    private static partial void LogDeadLettered(ILogger logger, string source, string deliveryId);
}
