using Impact.Shared.ImpactIn;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace Impact.Orchestrations.ImpactIn;

/// <summary>How callers start <see cref="ImpactInDeliveryOrchestrator"/>.</summary>
public static class ImpactInDeliveryStarts
{
    /// <summary>
    /// Starts a delivery's orchestration under its deterministic instance id, at most once: an id that
    /// already exists (another timer, another instance of the app, a retry of this call) is left alone.
    /// True when this call started it; false when it already existed.
    /// </summary>
    public static async Task<bool> StartDeliveryAsync(this DurableTaskClient client, DeliveryStart delivery, ImpactInOptions options,
        CancellationToken ct = default)
    {
        // Scheduling an id whose instance has completed may replace it on some backends: look first.
        if (await client.GetInstanceAsync(delivery.InstanceId, ct) is not null)
        {
            return false;
        }

        try
        {
            await client.ScheduleNewOrchestrationInstanceAsync(nameof(ImpactInDeliveryOrchestrator),
                new DeliveryRunInput(delivery.DeliveryId, options.MaxAttempts, options.BackoffBase, options.BackoffFactor),
                new StartOrchestrationOptions(delivery.InstanceId), ct);
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
}
