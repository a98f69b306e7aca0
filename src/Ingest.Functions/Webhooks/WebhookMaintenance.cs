using Impact.Shared.Webhooks;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Impact.Ingest.Webhooks;

/// <summary>
/// Timers that keep the outbox honest: enqueue what never reached the queue, re-queue what the queue lost (a
/// delivery <c>queued</c> or <c>failed</c> with attempts left that nothing touched for <c>Webhooks:RequeueAfterSeconds</c>),
/// dead-letter what used up its attempts, and forget old delivery ids. The rows are the truth; messages are hints.
/// </summary>
public sealed partial class WebhookMaintenance(WebhookDeliveries deliveries, WebhookQueue queue, IOptions<WebhookOptions> options,
    ILogger<WebhookMaintenance> logger)
{
    private const int BatchSize = 500;
    private static readonly TimeSpan SendLag = TimeSpan.FromSeconds(5);

    [Function(nameof(SweepWebhookOutbox))]
    public async Task SweepWebhookOutbox([TimerTrigger("*/30 * * * * *")] TimerInfo timer, CancellationToken ct)
    {
        var after = TimeSpan.FromSeconds(options.Value.SweepAfterSeconds);
        int swept;
        do
        {
            swept = await deliveries.SweepAsync(after, BatchSize, m => queue.SendAsync(m, ct), ct);
            if (swept > 0)
            {
                LogSwept(logger, swept);
            }
        }
        while (swept == BatchSize && !ct.IsCancellationRequested);

        var o = options.Value;
        // A row whose message still waits in a backlog is not stale: only rows touched before the front message are claimed.
        // A row is touched just before its message is sent, so the front message's own row (and a few sent with it) sits
        // within SendLag before it; they wait until the front moves on, instead of a second message each growing the backlog.
        var touchedBefore = await queue.OldestWaitingAsync(ct) - SendLag;
        IReadOnlyList<WebhookMessage> stale;
        do
        {
            stale = await deliveries.ClaimStaleAsync(TimeSpan.FromSeconds(o.RequeueAfterSeconds), o.MaxAttempts, BatchSize, ct, touchedBefore);
            foreach (var m in stale)
            {
                await queue.SendAsync(m, ct);
            }

            if (stale.Count > 0)
            {
                LogRequeued(logger, stale.Count, o.RequeueAfterSeconds);
            }
        }
        while (stale.Count == BatchSize && !ct.IsCancellationRequested);

        var exhausted = await deliveries.DeadLetterExhaustedAsync(o.MaxAttempts, ct);
        if (exhausted > 0)
        {
            LogExhausted(logger, exhausted, o.MaxAttempts);
        }
    }

    [Function(nameof(PurgeWebhookDeliveries))]
    public async Task PurgeWebhookDeliveries([TimerTrigger("0 15 3 * * *")] TimerInfo timer, CancellationToken ct)
    {
        var purged = await deliveries.PurgeAsync(TimeSpan.FromHours(options.Value.RetentionHours), ct);
        LogPurged(logger, purged, options.Value.RetentionHours);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox sweep re-enqueued {Count} deliveries")]
    private static partial void LogSwept(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Re-queued {Count} deliveries untouched for {Seconds} s (their messages were lost)")]
    private static partial void LogRequeued(ILogger logger, int count, int seconds);

    [LoggerMessage(Level = LogLevel.Error, Message = "Dead-lettered {Count} failed deliveries that used up their {MaxAttempts} attempts")]
    private static partial void LogExhausted(ILogger logger, int count, int maxAttempts);

    [LoggerMessage(Level = LogLevel.Information, Message = "Purged {Count} finished deliveries older than {Hours} h")]
    private static partial void LogPurged(ILogger logger, int count, int hours);
}
