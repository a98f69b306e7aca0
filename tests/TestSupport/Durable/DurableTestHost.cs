using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Impact.TestSupport.Durable;

/// <summary>
/// Runs orchestrations on <c>Microsoft.DurableTask.InProcessTestHost</c> (in-memory backend,
/// real gRPC worker) with the services the activities need pointing at the test's own
/// database and Azurite.
/// <code>
/// await using var db = await TestDatabase.CreateAsync();
/// await using var durable = await DurableTestHost.StartAsync(db, r => r.AddOrchestrations(),
///     b => b.AddShared(), new() { ["Backfill:ChunkRows"] = "1000" });
/// var id = await durable.Client.ScheduleNewOrchestrationInstanceAsync("MyOrchestrator", input);
/// var done = await durable.WaitForCompletionAsync(id);
/// </code>
/// </summary>
public sealed class DurableTestHost : IAsyncDisposable
{
    private readonly DurableTaskTestHost host;

    private DurableTestHost(DurableTaskTestHost host, IConfiguration configuration)
    {
        this.host = host;
        Configuration = configuration;
    }

    /// <summary>Schedules, queries, raises events to and waits for orchestrations.</summary>
    public DurableTaskClient Client => host.Client;

    /// <summary>The worker's services: what activities resolve (options, data source, ...).</summary>
    public IServiceProvider Services => host.Services;

    /// <summary>The settings the worker's services were bound from.</summary>
    public IConfiguration Configuration { get; }

    /// <summary>
    /// Starts a worker with <paramref name="registry"/>'s orchestrators and activities.
    /// The worker gets: <see cref="IConfiguration"/> = the test services' settings (test database,
    /// Azurite) plus <paramref name="settings"/> (use <c>Section:Key</c> names, e.g. shrunk
    /// durations); the test database's <see cref="NpgsqlDataSource"/>; Azurite
    /// <see cref="BlobServiceClient"/>/<see cref="QueueServiceClient"/>; <paramref name="timeProvider"/>
    /// (default: the system clock); then whatever <paramref name="configure"/> adds — pass the
    /// app's own registration (e.g. <c>b =&gt; b.AddShared()</c>) so options are
    /// bound and validated exactly as in the Functions app. <paramref name="services"/> runs last
    /// and may replace anything.
    /// </summary>
    public static async Task<DurableTestHost> StartAsync(
        TestDatabase database,
        Action<DurableTaskRegistry> registry,
        Action<IHostApplicationBuilder>? configure = null,
        IDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? services = null,
        TimeProvider? timeProvider = null)
    {
        var configuration = TestStorage.Configuration(database.ConnectionString, settings);

        // The app's registrations are written against IHostApplicationBuilder: run them on a
        // throwaway builder and copy what they registered into the worker's container.
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddConfiguration(configuration);
        var hostOwn = builder.Services.ToHashSet();
        configure?.Invoke(builder);
        var added = builder.Services.Where(d => !hostOwn.Contains(d)).ToList();

        void ConfigureServices(IServiceCollection worker)
        {
            worker.AddSingleton(configuration);
            worker.AddSingleton(database.DataSource);
            worker.AddSingleton(_ => TestStorage.Blobs());
            worker.AddSingleton(_ => TestStorage.Queues());
            worker.AddSingleton(timeProvider ?? TimeProvider.System);
            foreach (var descriptor in added)
            {
                // The test's database, storage and clock win over anything the app would build itself.
                if (descriptor.ServiceType == typeof(NpgsqlDataSource) || descriptor.ServiceType == typeof(BlobServiceClient)
                    || descriptor.ServiceType == typeof(QueueServiceClient) || descriptor.ServiceType == typeof(TimeProvider)
                    || descriptor.ServiceType == typeof(IConfiguration))
                {
                    continue;
                }

                worker.Add(descriptor);
            }

            services?.Invoke(worker);
        }

        // A fixed free port (the package's default picks a random one in 30000-40000, which
        // collides between parallel tests); retry if someone else grabbed it meanwhile.
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var host = await DurableTaskTestHost.StartAsync(registry, new DurableTaskTestHostOptions
                {
                    Port = FreePort.Next(),
                    ConfigureServices = ConfigureServices,
                    LoggerFactory = TestLogging.Factory,
                });
                return new DurableTestHost(host, configuration);
            }
            catch (IOException) when (attempt < 3)
            {
                // address already in use: try another port
            }
        }
    }

    /// <summary>
    /// Waits until the instance completes, fails or is terminated (a ContinueAsNew is not an end),
    /// and returns its final state with inputs and outputs. Throws <see cref="TimeoutException"/>
    /// after <paramref name="timeout"/> (default 60 s) with the last status seen.
    /// </summary>
    public async Task<OrchestrationMetadata> WaitForCompletionAsync(string instanceId, TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            return await Client.WaitForInstanceCompletionAsync(instanceId, getInputsAndOutputs: true, cts.Token);
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested)
        {
            var last = await Client.GetInstanceAsync(instanceId, getInputsAndOutputs: true);
            throw new TimeoutException(
                $"Orchestration {instanceId} did not finish within {timeout ?? TimeSpan.FromSeconds(60)}; last status {last?.RuntimeStatus}, custom status {last?.SerializedCustomStatus}.");
        }
    }

    /// <summary>
    /// Like <see cref="WaitForCompletionAsync"/>, but throws <see cref="InvalidOperationException"/>
    /// (with the failure details) unless the instance ended <c>Completed</c>.
    /// </summary>
    public async Task<OrchestrationMetadata> WaitForSuccessAsync(string instanceId, TimeSpan? timeout = null)
    {
        var state = await WaitForCompletionAsync(instanceId, timeout);
        return state.RuntimeStatus == OrchestrationRuntimeStatus.Completed
            ? state
            : throw new InvalidOperationException($"Orchestration {instanceId} ended {state.RuntimeStatus}: {state.FailureDetails}");
    }

    /// <summary>A function class built by the worker's DI, as the Functions worker builds it.</summary>
    public T Function<T>() where T : class => ActivatorUtilities.CreateInstance<T>(Services);

    /// <summary>Stops the worker and the in-memory backend.</summary>
    public ValueTask DisposeAsync() => host.DisposeAsync();
}
