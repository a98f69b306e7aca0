using System.Text.Json;
using Impact.Shared.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Impact.Shared.Webhooks;

/// <summary>
/// What the queue triggers do with a message, so that a database outage is a reason to wait, not to give up.
/// The host counts every failed dequeue towards the poison queue (<c>maxDequeueCount</c>), and that count is not
/// ours to reset; so a transient database error is never thrown back to the host: a fresh copy of the message is
/// sent with a growing delay (<see cref="WebhookOptions.TransientRetryFirstSeconds"/>, doubling, capped at
/// <see cref="WebhookOptions.TransientRetryMaxSeconds"/>) and the original completes. Real failures are counted on
/// the delivery row, which decides when it gives up (<see cref="WebhookOptions.MaxAttempts"/>).
/// </summary>
public sealed partial class WebhookQueueWorker(
    KintellProcessor processor, WebhookDeliveries deliveries, WebhookQueue queue, IOptions<WebhookOptions> options,
    ILogger<WebhookQueueWorker> logger)
{
    /// <summary>
    /// Processes a message of the ingest queue. Returns normally when it is done with the message (processed,
    /// already done, unknown, dead-lettered, or re-sent for later after a transient database error).
    /// </summary>
    /// <exception cref="DeliveryFailedException">It failed with attempts left: the host tries it again.</exception>
    public async Task HandleAsync(WebhookMessage message, CancellationToken ct = default)
    {
        try
        {
            if (await processor.ProcessAsync(message.Source, message.DeliveryId, ct) == ProcessOutcome.NotFound)
            {
                LogNotFound(logger, message.Source, message.DeliveryId);
            }
        }
        catch (Exception e) when (ProblemMapping.IsTransientDatabaseError(e) && !ct.IsCancellationRequested)
        {
            var delay = RetryDelay(message.Retry);
            // If this send fails too, the exception goes to the host (one dequeue counted); the row stays queued
            // and the sweeper re-queues it past Webhooks:RequeueAfterSeconds.
            await queue.SendAsync(message with { Retry = message.Retry + 1 }, delay, ct);
            LogRetryLater(logger, message.Source, message.DeliveryId, delay.TotalSeconds, message.Retry + 1, Kind(e));
        }
        catch (DeliveryFailedException f) when (f.Status == WebhookDeliveryStatus.DeadLettered)
        {
            LogDeadLettered(logger, message.Source, message.DeliveryId, f.Attempts);
        }
    }

    /// <summary>
    /// Handles a message the host moved to the poison queue. The row is the truth: a delivery that used up its
    /// attempts is dead-lettered; one that did not (the worker died or timed out, or its failures could not be
    /// recorded) has the trip counted as an attempt and goes back on the ingest queue. This never throws because
    /// the database is away — a queue named <c>-poison</c> has no poison queue, so a failure there would hide the
    /// message for its whole lease — it re-sends itself to the poison queue with a delay instead.
    /// </summary>
    public async Task HandlePoisonAsync(string body, CancellationToken ct = default)
    {
        WebhookMessage message;
        try
        {
            message = WebhookQueue.Parse(body);
        }
        catch (JsonException)
        {
            // It names no delivery, so there is nothing to reconcile; thrown back it would only hide for its lease, again and again.
            LogUnreadable(logger);
            return;
        }

        string? status;
        try
        {
            status = await deliveries.RecordPoisonedAsync(message.Source, message.DeliveryId,
                "The queue moved the message to the poison queue without a recorded outcome (the worker stopped or timed out).",
                options.Value.MaxAttempts, ct);
        }
        catch (Exception e) when (ProblemMapping.IsTransientDatabaseError(e) && !ct.IsCancellationRequested)
        {
            var delay = RetryDelay(message.Retry);
            await queue.SendPoisonAsync(message with { Retry = message.Retry + 1 }, delay, ct);
            LogRetryLater(logger, message.Source, message.DeliveryId, delay.TotalSeconds, message.Retry + 1, Kind(e));
            return;
        }

        switch (status)
        {
            case WebhookDeliveryStatus.DeadLettered:
                LogDeadLettered(logger, message.Source, message.DeliveryId, options.Value.MaxAttempts);
                break;
            case WebhookDeliveryStatus.Queued:
                // A send that fails here leaves the row queued: the sweeper re-queues it.
                await queue.SendAsync(new WebhookMessage(message.Source, message.DeliveryId), ct);
                LogBackFromPoison(logger, message.Source, message.DeliveryId);
                break;
        }
    }

    /// <summary>The delay before retry number <paramref name="retry"/> + 1: doubling from the first, capped, with jitter (half to all of it) so a recovered database is not hit by every retry at once.</summary>
    public TimeSpan RetryDelay(int retry)
    {
        var o = options.Value;
        var seconds = Math.Min(o.TransientRetryMaxSeconds, o.TransientRetryFirstSeconds * Math.Pow(2, Math.Min(retry, 30)));
        return TimeSpan.FromSeconds(seconds * (0.5 + (Random.Shared.NextDouble() / 2)));
    }

    // The kind of error, never its message (a server message may quote data).
    private static string Kind(Exception e) =>
        e is Npgsql.PostgresException pg ? pg.SqlState : (e.InnerException ?? e).GetType().Name;

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Source} delivery {DeliveryId} not found; message dropped")]
    private static partial void LogNotFound(ILogger logger, string source, string deliveryId);

    [LoggerMessage(Level = LogLevel.Warning,
        Message = "Database unavailable ({ErrorKind}); {Source} delivery {DeliveryId} retried in {DelaySeconds:F1} s (retry {Retry}), not counted as an attempt")]
    private static partial void LogRetryLater(ILogger logger, string source, string deliveryId, double delaySeconds, int retry, string errorKind);

    // The error itself is on the row (last_error) for the operator; a message text may quote data, so it is not logged.
    [LoggerMessage(Level = LogLevel.Error, Message = "{Source} delivery {DeliveryId} dead-lettered after {Attempts} failed attempts")]
    private static partial void LogDeadLettered(ILogger logger, string source, string deliveryId, int attempts);

    [LoggerMessage(Level = LogLevel.Error, Message = "A poison message that names no delivery was dropped")]
    private static partial void LogUnreadable(ILogger logger);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Source} delivery {DeliveryId} came back from the poison queue with attempts left; queued again")]
    private static partial void LogBackFromPoison(ILogger logger, string source, string deliveryId);
}
