using Impact.Shared.ImpactIn;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Impact.Orchestrations.ImpactIn;

/// <summary>
/// Starts a delivery's orchestration under its deterministic instance id, at most once: an id that
/// already exists (another timer, another instance of the app, a retry of this call) is left alone.
/// </summary>
public sealed partial class ImpactInDeliveryStarter(IOptionsMonitor<ImpactInOptions> options, ILogger<ImpactInDeliveryStarter> logger)
{
    /// <summary>True when this call started the orchestration; false when it already existed.</summary>
    public async Task<bool> StartAsync(DurableTaskClient client, DeliveryStart delivery, CancellationToken ct = default)
    {
        // Scheduling an id whose instance has completed may replace it on some backends: look first.
        if (await client.GetInstanceAsync(delivery.InstanceId, ct) is not null)
        {
            return false;
        }

        var o = options.CurrentValue;
        try
        {
            await client.ScheduleNewOrchestrationInstanceAsync(nameof(ImpactInDeliveryOrchestrator),
                new DeliveryRunInput(delivery.DeliveryId, o.MaxAttempts, o.BackoffBase, o.BackoffFactor),
                new StartOrchestrationOptions(delivery.InstanceId), ct);
            LogStarted(logger, delivery.DeliveryId, delivery.InstanceId);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Lost a race with another starter ("already exists"): the instance is there, nothing more to do.
            if (await client.GetInstanceAsync(delivery.InstanceId, ct) is not null)
            {
                return false;
            }

            throw;
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Started Impact-In delivery {DeliveryId} as {InstanceId}")]
    private static partial void LogStarted(ILogger logger, Guid deliveryId, string instanceId);
}
