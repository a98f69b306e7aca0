using System.Net;
using System.Net.Sockets;
using Azure.Storage.Blobs;
using Impact.Ingest.Privacy;
using Impact.Orchestrations;
using Impact.Orchestrations.Privacy;
using Impact.Shared.Privacy;
using Impact.TestSupport;
using Microsoft.DurableTask.Client;
using Microsoft.DurableTask.Testing;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Impact.Ingest.Tests.Privacy;

/// <summary>
/// The privacy orchestrations on the in-process durable test host, wired to one test database and Azurite, plus
/// the HTTP functions over the same services. Minimal on purpose: the shared durable test-host wrapper of the
/// backfill branch replaces it at merge.
/// </summary>
public sealed class PrivacyDurableHost : IAsyncDisposable
{
    private readonly DurableTaskTestHost host;

    private PrivacyDurableHost(DurableTaskTestHost host, PrivacyFunctions functions, PrivacyOptions options)
    {
        this.host = host;
        Functions = functions;
        Options = options;
    }

    public DurableTaskClient Client => host.Client;

    public PrivacyFunctions Functions { get; }

    public PrivacyOptions Options { get; }

    public static BlobServiceClient Blobs { get; } = TestStorage.Blobs();

    /// <summary>Starts the host. Short durations go in <paramref name="settings"/> (e.g. Privacy:ApprovalTimeout).</summary>
    public static async Task<PrivacyDurableHost> StartAsync(TestDatabase db, IDictionary<string, string?> settings)
    {
        var configuration = TestStorage.Configuration(db.ConnectionString, settings);
        var options = configuration.GetSection(PrivacyOptions.Section).Get<PrivacyOptions>() ?? new PrivacyOptions();
        var host = await DurableTaskTestHost.StartAsync(
            registry => registry.AddOrchestrations(),
            new DurableTaskTestHostOptions
            {
                Port = FreePort(),
                ConfigureServices = services =>
                {
                    services.AddSingleton<IConfiguration>(configuration);
                    services.AddSingleton<NpgsqlDataSource>(db.DataSource);
                    services.AddSingleton(Blobs);
                    services.AddSingleton(TimeProvider.System);
                    services.AddPrivacyServices();
                },
            });
        var functions = new PrivacyFunctions(db.DataSource, Blobs, Microsoft.Extensions.Options.Options.Create(options), TimeProvider.System);
        return new PrivacyDurableHost(host, functions, options);
    }

    /// <summary>Waits (at most a minute) for the orchestration of a request to finish; returns its output.</summary>
    public async Task<string?> WaitForCompletionAsync(Guid requestId)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        OrchestrationMetadata meta;
        try
        {
            meta = await host.Client.WaitForInstanceCompletionAsync(requestId.ToString(), getInputsAndOutputs: true, cts.Token);
        }
        catch (OperationCanceledException)
        {
            var state = await host.Client.GetInstanceAsync(requestId.ToString(), getInputsAndOutputs: true);
            throw new InvalidOperationException($"not completed: {state?.RuntimeStatus} {state?.SerializedInput} {state?.FailureDetails}");
        }
        Assert.Equal(OrchestrationRuntimeStatus.Completed, meta.RuntimeStatus);
        return meta.ReadOutputAs<string>();
    }

    public async ValueTask DisposeAsync() => await host.DisposeAsync();

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
