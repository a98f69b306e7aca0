using Impact.Ingest.ImpactIn;
using Impact.Orchestrations.ImpactIn;
using Impact.Shared.ImpactIn;
using Impact.TestSupport.Durable;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Impact.Ingest.Tests.ImpactIn;

/// <summary>The Impact-In function classes, built from the test host's services as the worker would build them.</summary>
internal sealed class ImpactInApi(DurableTestHost host)
{
    public ImpactInSchedules Schedules { get; } = new(Get<ScheduleStore>(host), Get<DeliveryStore>(host), Get<ImpactInDeliveryStarter>(host),
        Get<NpgsqlDataSource>(host));

    public ImpactInDeliveries Deliveries { get; } = new(Get<DeliveryStore>(host), Get<ImpactInDeliveryStarter>(host));

    public ImpactInScheduler NewScheduler() => new(Get<DeliveryStore>(host), Get<ImpactInDeliveryStarter>(host),
        Get<IOptions<ImpactInOptions>>(host), Get<ILogger<ImpactInScheduler>>(host));

    private static T Get<T>(DurableTestHost host) where T : notnull => host.Services.GetRequiredService<T>();
}
