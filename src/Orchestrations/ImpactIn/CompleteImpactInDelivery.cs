using Impact.Shared.ImpactIn;
using Microsoft.DurableTask;

namespace Impact.Orchestrations.ImpactIn;

/// <summary>Records the final status and appends <c>impact.delivery.succeeded</c> / <c>impact.delivery.failed</c>.</summary>
public sealed class CompleteImpactInDelivery(DeliveryStore store) : TaskActivity<CompleteInput, bool>
{
    /// <inheritdoc />
    public override async Task<bool> RunAsync(TaskActivityContext context, CompleteInput input)
    {
        await store.CompleteAsync(input.DeliveryId, input.InstanceId, input.Succeeded, input.Error);
        return true;
    }
}
