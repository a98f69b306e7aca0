using System.Net;
using System.Net.Sockets;
using Impact.Orchestrations.ImpactIn;
using Impact.Shared.ImpactIn;
using Impact.TestSupport;
using Impact.TestSupport.ImpactIn;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Npgsql;

namespace Impact.Orchestrations.Tests.ImpactIn.Support;

/// <summary>
/// Until the shared durable test-host wrapper is merged: one test's world for Impact-In — a fresh
/// database, a fake partner server, and the in-process durable host running the Impact-In
/// orchestration with the app's own service registrations pointed at both.
/// </summary>
public sealed class ImpactInTestHost : IAsyncDisposable
{
    private ImpactInTestHost(TestDatabase database, FakePartner partner, DurableTaskTestHost durable)
    {
        Database = database;
        Partner = partner;
        Durable = durable;
    }

    public TestDatabase Database { get; }

    public FakePartner Partner { get; }

    public DurableTaskTestHost Durable { get; }

    public DurableTaskClient Client => Durable.Client;

    public IServiceProvider Services => Durable.Services;

    public NpgsqlDataSource DataSource => Database.DataSource;

    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();

    /// <summary>Starts everything. Backoff defaults to 100 ms so retries stay fast unless a test sets more.</summary>
    public static async Task<ImpactInTestHost> StartAsync(IDictionary<string, string?>? settings = null, TimeProvider? time = null)
    {
        var database = await TestDatabase.CreateAsync();
        var partner = await FakePartner.StartAsync();
        var values = partner.Settings();
        values["ImpactIn:BackoffBase"] = "00:00:00.100";
        values["ImpactIn:BackoffFactor"] = "2";
        values["ImpactIn:MaxAttempts"] = "3";
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>())
        {
            values[k] = v;
        }

        var configuration = TestStorage.Configuration(database.ConnectionString, values);
        var durable = await DurableTaskTestHost.StartAsync(registry => registry.AddImpactIn(), new DurableTaskTestHostOptions
        {
            Port = FreePort(),
            ConfigureServices = services => AddAppServices(services, configuration, database.DataSource, time ?? TimeProvider.System),
        });
        return new ImpactInTestHost(database, partner, durable);
    }

    /// <summary>What the Functions app registers for Impact-In, against the test's database and settings.</summary>
    public static IServiceCollection AddAppServices(IServiceCollection services, IConfiguration configuration, NpgsqlDataSource dataSource, TimeProvider time)
    {
        services.AddSingleton(configuration);
        services.AddSingleton(dataSource);
        services.Replace(ServiceDescriptor.Singleton(time));
        services.AddLogging();
        services.AddImpactInServices();
        return services;
    }

    /// <summary>Waits for an orchestration to complete (60 s at most); throws when it failed.</summary>
    public async Task<OrchestrationMetadata> WaitAsync(string instanceId)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var state = await Client.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: true, timeout.Token);
        return state.RuntimeStatus == OrchestrationRuntimeStatus.Completed
            ? state
            : throw new InvalidOperationException($"Orchestration {instanceId} ended {state.RuntimeStatus}: {state.FailureDetails}");
    }

    /// <summary>Creates a schedule and delivers its latest complete period now, as <c>run-now</c> does; returns the delivery.</summary>
    public async Task<Delivery> RunNowAsync(Guid companyId, string platform, string timeZone = "UTC")
    {
        var spec = ScheduleSpec.Parse("monthly", timeZone, null, out _);
        var schedule = await Get<ScheduleStore>().CreateAsync(new NewSchedule(companyId, platform, spec, null, null, true));
        var (delivery, _) = await Get<DeliveryStore>().CreateRunNowAsync(schedule);
        await Get<ImpactInDeliveryStarter>().StartAsync(Client, new DeliveryStart(delivery.Id, delivery.InstanceId));
        return delivery;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    public async ValueTask DisposeAsync()
    {
        await Durable.DisposeAsync();
        await Partner.DisposeAsync();
        await Database.DisposeAsync();
    }
}
