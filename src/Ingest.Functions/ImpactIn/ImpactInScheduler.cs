using Impact.Orchestrations.ImpactIn;
using Impact.Shared.ImpactIn;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Impact.Ingest.ImpactIn;

/// <summary>
/// Every minute: claims due schedules (<c>FOR UPDATE SKIP LOCKED</c>, so app instances and
/// overlapping ticks share the work), creates one delivery per schedule and period, advances
/// <c>next_run</c>, then starts each delivery's orchestration under its deterministic instance id.
/// Deliveries whose start was lost (a crash between commit and start) are started on a later tick.
/// </summary>
public sealed partial class ImpactInScheduler(DeliveryStore deliveries, IOptions<ImpactInOptions> options,
    ILogger<ImpactInScheduler> logger)
{
    [Function(nameof(ImpactInScheduler))]
    public Task Run([TimerTrigger("0 * * * * *")] TimerInfo timer, [DurableClient] DurableTaskClient client, CancellationToken ct) =>
        TickAsync(client, ct);

    /// <summary>One tick (the timer's body).</summary>
    public async Task<SchedulerTick> TickAsync(DurableTaskClient client, CancellationToken ct = default)
    {
        var o = options.Value;
        var claim = await deliveries.ClaimDueAsync(o.SchedulerBatchSize, o.RestartPendingAfter, ct);
        var started = 0;
        foreach (var delivery in claim.Created.Concat(claim.Stale).DistinctBy(d => d.InstanceId))
        {
            if (await client.StartDeliveryAsync(delivery, o, ct))
            {
                started++;
            }
        }

        if (claim.Claimed > 0 || started > 0)
        {
            LogTick(logger, claim.Claimed, claim.Created.Count, started);
        }

        return new SchedulerTick(claim.Claimed, claim.Created.Count, started);
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Impact-In scheduler claimed {Claimed} due schedules, created {Created} deliveries, started {Started} orchestrations")]
    private static partial void LogTick(ILogger logger, int claimed, int created, int started);
}
