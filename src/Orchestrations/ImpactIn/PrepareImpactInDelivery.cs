using Impact.Shared.ImpactIn;
using Microsoft.DurableTask;

namespace Impact.Orchestrations.ImpactIn;

/// <summary>Builds and stores the payload on the first run; false when the delivery is done or belongs to another instance.</summary>
public sealed class PrepareImpactInDelivery(DeliveryStore store) : TaskActivity<DeliveryStep, bool>
{
    /// <inheritdoc />
    public override async Task<bool> RunAsync(TaskActivityContext context, DeliveryStep input) =>
        await store.PrepareAsync(input.DeliveryId, input.InstanceId) is not null;
}
