using Impact.Shared;
using Azure.Storage.Blobs;
using Impact.Ingest.Privacy;
using Impact.Orchestrations;
using Impact.Orchestrations.Privacy;
using Impact.Shared.Privacy;
using Impact.TestSupport;
using Impact.TestSupport.Durable;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Impact.Ingest.Tests.Privacy;

/// <summary>The privacy orchestrations on the shared <see cref="DurableTestHost"/>, and the HTTP functions over the same services.</summary>
internal static class PrivacyDurable
{
    /// <summary>Starts the worker. Short durations go in <paramref name="settings"/> (e.g. Privacy:ApprovalTimeout).</summary>
    public static Task<DurableTestHost> StartAsync(TestDatabase db, IDictionary<string, string?> settings) =>
        DurableTestHost.StartAsync(db, registry => registry.AddOrchestrations(), builder => builder.AddShared(), settings);

    /// <summary>The privacy HTTP functions, built by the worker's DI.</summary>
    public static PrivacyFunctions Functions(this DurableTestHost host) => host.Function<PrivacyFunctions>();

    /// <summary>The worker's <see cref="PrivacyRequestStore"/>, for steps a test takes behind the API's back.</summary>
    public static PrivacyRequestStore Requests(this DurableTestHost host) => host.Services.GetRequiredService<PrivacyRequestStore>();

    /// <summary>Waits (at most 20 s) for the orchestration of a request to complete; returns its output.</summary>
    public static async Task<string?> WaitForRequestAsync(this DurableTestHost host, Guid requestId)
    {
        var meta = await host.WaitForCompletionAsync(requestId.ToString(), TimeSpan.FromSeconds(20));
        Assert.Equal(OrchestrationRuntimeStatus.Completed, meta.RuntimeStatus);
        return meta.ReadOutputAs<string>();
    }
}
