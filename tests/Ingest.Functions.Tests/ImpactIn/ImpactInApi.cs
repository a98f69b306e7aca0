using Impact.Ingest.ImpactIn;
using Impact.TestSupport.Durable;

namespace Impact.Ingest.Tests.ImpactIn;

/// <summary>The Impact-In function classes, built by the test host's DI as the worker would build them.</summary>
internal sealed class ImpactInApi(DurableTestHost host)
{
    public ImpactInSchedules Schedules { get; } = host.Function<ImpactInSchedules>();

    public ImpactInDeliveries Deliveries { get; } = host.Function<ImpactInDeliveries>();

    public ImpactInScheduler NewScheduler() => host.Function<ImpactInScheduler>();
}
