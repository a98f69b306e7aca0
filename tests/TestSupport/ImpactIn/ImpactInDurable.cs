using Impact.Orchestrations.ImpactIn;
using Impact.Shared.ImpactIn;
using Impact.TestSupport.Durable;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Impact.Orchestrations;
using Impact.Shared;
using Impact.Shared.Security;
using Microsoft.Extensions.Hosting;

namespace Impact.TestSupport.ImpactIn;

/// <summary>Impact-In on the shared <see cref="DurableTestHost"/>: the delivery orchestration with the app's own Impact-In services.</summary>
public static class ImpactInDurable
{
    /// <summary>Who test set-up code acts as when it calls the stores directly (an operator, so any company).</summary>
    public static readonly Caller Setup = new("test-setup", "Test set-up", null, [Roles.Operator]);

    /// <summary>
    /// Starts a worker whose partner settings point at <paramref name="partner"/>. Backoff defaults to 100 ms
    /// (factor 2, 3 attempts) so retries stay fast unless <paramref name="settings"/> sets more. The app's services
    /// are <c>AddShared()</c> unless <paramref name="configure"/> registers others (tests that call functions pass
    /// the Functions app's <c>AddFunctionsAppServices()</c>).
    /// </summary>
    public static Task<DurableTestHost> StartAsync(
        TestDatabase database, FakePartner partner, IDictionary<string, string?>? settings = null, TimeProvider? time = null,
        Action<IHostApplicationBuilder>? configure = null)
    {
        var values = partner.Settings();
        values["ImpactIn:BackoffBase"] = "00:00:00.100";
        values["ImpactIn:BackoffFactor"] = "2";
        values["ImpactIn:MaxAttempts"] = "3";
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
        {
            values[key] = value;
        }

        return DurableTestHost.StartAsync(database, registry => registry.AddOrchestrations(), configure ?? (builder => builder.AddShared()),
            values, services => services.AddLogging(), time);
    }

    /// <summary>Creates a schedule and delivers its latest complete period now, as <c>run-now</c> does; returns the delivery.</summary>
    public static async Task<Delivery> RunNowAsync(this DurableTestHost durable, Guid companyId, string platform, string timeZone = "UTC")
    {
        var spec = ScheduleSpec.Parse("monthly", timeZone, null, out _);
        var schedule = await durable.Services.GetRequiredService<ScheduleStore>().CreateAsync(new NewSchedule(companyId, platform, spec, null, null, true), Setup);
        var delivery = await durable.Services.GetRequiredService<DeliveryStore>().CreateRunNowAsync(schedule, Setup);
        await durable.Client.StartDeliveryAsync(new DeliveryStart(delivery.Id, delivery.InstanceId), durable.Services.GetRequiredService<IOptions<ImpactInOptions>>().Value);
        return delivery;
    }
}
