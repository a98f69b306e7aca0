using Impact.Shared.Webhooks;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Impact.Ingest.Webhooks;

/// <summary>Timers that keep the outbox honest: re-enqueue what never reached the queue, and forget old delivery ids.</summary>
public sealed partial class WebhookMaintenance(WebhookDeliveries deliveries, WebhookQueue queue, IOptions<WebhookOptions> options,
    ILogger<WebhookMaintenance> logger)
{
    private const int BatchSize = 500;

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
    }

    [Function(nameof(PurgeWebhookDeliveries))]
    public async Task PurgeWebhookDeliveries([TimerTrigger("0 15 3 * * *")] TimerInfo timer, CancellationToken ct)
    {
        var purged = await deliveries.PurgeAsync(TimeSpan.FromHours(options.Value.RetentionHours), ct);
        LogPurged(logger, purged, options.Value.RetentionHours);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Outbox sweep re-enqueued {Count} deliveries")]
    private static partial void LogSwept(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Purged {Count} finished deliveries older than {Hours} h")]
    private static partial void LogPurged(ILogger logger, int count, int hours);
}
