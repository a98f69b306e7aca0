using Impact.Shared.Storage;
using Impact.Shared.Webhooks;
using Microsoft.Azure.Functions.Worker;

namespace Impact.Ingest.Webhooks;

/// <summary>
/// Processes queued deliveries (<see cref="WebhookQueueWorker"/>). A transient database error re-sends the message
/// with a delay instead of failing, so an outage never pushes a message towards the poison queue; a real failure
/// is recorded on the delivery and rethrown, so the host retries, until <c>Webhooks:MaxAttempts</c> dead-letters it.
/// What still reaches <c>webhook-ingest-poison</c> (a worker that died mid-message) is reconciled with the row by
/// <see cref="DeadLetterWebhook"/>.
/// </summary>
public sealed class WebhookQueueTriggers(WebhookQueueWorker worker)
{
    [Function(nameof(ProcessWebhook))]
    public Task ProcessWebhook(
        [QueueTrigger(WebhookQueue.TriggerQueue, Connection = StorageClients.ConnectionName)] string message, CancellationToken ct) =>
        worker.HandleAsync(WebhookQueue.Parse(message), ct);

    [Function(nameof(DeadLetterWebhook))]
    public Task DeadLetterWebhook(
        [QueueTrigger(WebhookQueue.TriggerPoisonQueue, Connection = StorageClients.ConnectionName)] string message, CancellationToken ct) =>
        worker.HandlePoisonAsync(message, ct);
}
