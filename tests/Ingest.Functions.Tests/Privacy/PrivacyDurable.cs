using Impact.Ingest.Privacy;
using Impact.Orchestrations;
using Impact.Shared.Privacy;
using Impact.TestSupport;
using Impact.TestSupport.Durable;
using Impact.TestSupport.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Impact.Ingest.Tests.Privacy;

/// <summary>
/// The privacy orchestrations on the shared <see cref="DurableTestHost"/>, and the HTTP functions over the same
/// services, called behind their access policy (<see cref="ApiCalls.CallAsync"/>) with a bearer token.
/// </summary>
internal static class PrivacyDurable
{
    /// <summary>Starts the worker. Short durations go in <paramref name="settings"/> (e.g. Privacy:ApprovalTimeout).</summary>
    public static Task<DurableTestHost> StartAsync(TestDatabase db, IDictionary<string, string?> settings) =>
        DurableTestHost.StartAsync(db, registry => registry.AddOrchestrations(), builder => builder.AddFunctionsAppServices(), settings);

    /// <summary>The privacy HTTP functions, built by the worker's DI.</summary>
    public static PrivacyFunctions Functions(this DurableTestHost host) => host.Function<PrivacyFunctions>();

    /// <summary>The worker's <see cref="PrivacyRequestStore"/>, for steps a test takes behind the API's back.</summary>
    public static PrivacyRequestStore Requests(this DurableTestHost host) => host.Services.GetRequiredService<PrivacyRequestStore>();

    /// <summary>The <c>Authorization</c> header of <paramref name="token"/>.</summary>
    public static Dictionary<string, string> Auth(string token) => new() { ["Authorization"] = TestTokens.Bearer(token) };

    /// <summary><c>POST /v1/privacy/exports</c> with <paramref name="body"/>.</summary>
    public static Task<TestResponse> ExportAsync(this DurableTestHost host, string token, object body) =>
        host.ExportAsync(HttpInvoker.JsonRequest("POST", "/v1/privacy/exports", body, Auth(token)));

    /// <summary><c>POST /v1/privacy/exports</c> as <paramref name="request"/> is.</summary>
    public static Task<TestResponse> ExportAsync(this DurableTestHost host, HttpRequest request) =>
        host.Services.CallAsync(request, r => host.Functions().StartPrivacyExport(r, host.Client));

    /// <summary><c>POST /v1/privacy/deletions</c> with <paramref name="body"/>.</summary>
    public static Task<TestResponse> DeletionAsync(this DurableTestHost host, string token, object body) =>
        host.Services.CallAsync(HttpInvoker.JsonRequest("POST", "/v1/privacy/deletions", body, Auth(token)),
            r => host.Functions().StartPrivacyDeletion(r, host.Client));

    /// <summary><c>POST /v1/privacy/deletions/{id}/approve</c> or <c>/reject</c> (<paramref name="verb"/>), with <paramref name="body"/> or <c>{}</c>.</summary>
    public static Task<TestResponse> DecideAsync(this DurableTestHost host, string token, Guid requestId, string verb, object? body = null) =>
        host.Services.CallAsync(HttpInvoker.JsonRequest("POST", $"/v1/privacy/deletions/{requestId}/{verb}", body ?? new { }, Auth(token)),
            r => verb == "approve"
                ? host.Functions().ApprovePrivacyDeletion(r, requestId.ToString(), host.Client)
                : host.Functions().RejectPrivacyDeletion(r, requestId.ToString(), host.Client));

    /// <summary><c>GET /v1/privacy/requests/{id}</c>.</summary>
    public static Task<TestResponse> ReadAsync(this DurableTestHost host, string token, string id) =>
        host.Services.CallAsync(HttpInvoker.Request("GET", $"/v1/privacy/requests/{id}", contentType: null, headers: Auth(token)),
            r => host.Functions().GetPrivacyRequest(r, id));

    /// <summary>Waits (at most 20 s) for the orchestration of a request to complete; returns its output.</summary>
    public static async Task<string?> WaitForRequestAsync(this DurableTestHost host, Guid requestId)
    {
        var meta = await host.WaitForCompletionAsync(requestId.ToString(), TimeSpan.FromSeconds(20));
        Assert.Equal(OrchestrationRuntimeStatus.Completed, meta.RuntimeStatus);
        return meta.ReadOutputAs<string>();
    }
}
