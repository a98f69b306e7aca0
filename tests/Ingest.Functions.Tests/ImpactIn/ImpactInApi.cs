using Impact.Ingest.ImpactIn;
using Impact.Orchestrations.ImpactIn;
using Impact.Orchestrations.Tests.ImpactIn.Support;
using Impact.Shared.ImpactIn;
using Microsoft.Extensions.Options;

namespace Impact.Ingest.Tests.ImpactIn;

/// <summary>The Impact-In function classes, built from the test host's services as the worker would build them.</summary>
internal sealed class ImpactInApi(ImpactInTestHost host)
{
    public ImpactInSchedules Schedules { get; } = new(host.Get<ScheduleStore>(), host.Get<DeliveryStore>(), host.Get<ImpactInDeliveryStarter>(), host.DataSource);

    public ImpactInDeliveries Deliveries { get; } = new(host.Get<DeliveryStore>(), host.Get<ImpactInDeliveryStarter>());

    public ImpactInScheduler NewScheduler() => new(host.Get<DeliveryStore>(), host.Get<ImpactInDeliveryStarter>(),
        host.Get<IOptions<ImpactInOptions>>(), host.Get<Microsoft.Extensions.Logging.ILogger<ImpactInScheduler>>());
}
