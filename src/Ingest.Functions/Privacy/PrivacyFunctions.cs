using Impact.Shared.Security;
using Impact.Ingest.Http;
using Impact.Orchestrations.Privacy;
using Impact.Shared.Http;
using Impact.Shared.Privacy;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;

namespace Impact.Ingest.Privacy;

/// <summary>
/// GDPR data subject requests: DSAR exports and erasures, run as durable orchestrations whose instance id is the
/// request id. Administrator endpoints: function key required.
/// </summary>
public sealed class PrivacyFunctions(PrivacyRequestStore requests, PrivacyRequestViews views, IOptions<PrivacyOptions> options)
{
    private const string What = "privacy request";

    [RequireRole(Roles.PrivacyOfficer)]
    [Function(nameof(StartPrivacyExport))]
    public async Task<IActionResult> StartPrivacyExport(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "privacy/exports")] HttpRequest req,
        [DurableClient] DurableTaskClient client, CancellationToken ct = default)
    {
        var body = await RequestBody.ReadJsonAsync<ExportRequestBody>(req, ct);
        var userId = PrivacyFields.UserId(body.UserId);
        var requestedBy = string.IsNullOrWhiteSpace(body.RequestedBy) ? "api" : PrivacyFields.Name(body.RequestedBy, "requestedBy");
        var request = await requests.CreateAsync(Guid.NewGuid(), userId, PrivacyRequestTypes.Export, requestedBy, ct);
        await client.StartPrivacyExportAsync(requests, request.Id, ct);
        return await AcceptedAsync(req, request, ct);
    }

    [RequireRole(Roles.PrivacyOfficer)]
    [Function(nameof(StartPrivacyDeletion))]
    public async Task<IActionResult> StartPrivacyDeletion(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "privacy/deletions")] HttpRequest req,
        [DurableClient] DurableTaskClient client, CancellationToken ct = default)
    {
        var body = await RequestBody.ReadJsonAsync<DeletionRequestBody>(req, ct);
        var userId = PrivacyFields.UserId(body.UserId);
        var requestedBy = PrivacyFields.Name(body.RequestedBy, "requestedBy");
        var request = await requests.CreateAsync(Guid.NewGuid(), userId, PrivacyRequestTypes.Delete, requestedBy, ct);
        await client.StartPrivacyDeletionAsync(requests, request.Id, options.Value.ApprovalTimeout, ct);
        return await AcceptedAsync(req, request, ct);
    }

    [RequireRole(Roles.PrivacyOfficer)]
    [Function(nameof(ApprovePrivacyDeletion))]
    public async Task<IActionResult> ApprovePrivacyDeletion(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "privacy/deletions/{id}/approve")] HttpRequest req,
        string id, [DurableClient] DurableTaskClient client, CancellationToken ct = default)
    {
        var requestId = RouteIds.Guid(id, What);
        var by = PrivacyFields.Name((await RequestBody.ReadJsonAsync<DecisionBody>(req, ct)).ApprovedBy, "approvedBy");
        // The database records the decision first; the event only wakes the orchestration (its timer would too).
        var request = await requests.ApproveAsync(requestId, by, ct);
        await client.RaisePrivacyDecisionAsync(requestId, new PrivacyDecision(true, by), ct);
        return await AcceptedAsync(req, request, ct);
    }

    [RequireRole(Roles.PrivacyOfficer)]
    [Function(nameof(RejectPrivacyDeletion))]
    public async Task<IActionResult> RejectPrivacyDeletion(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "privacy/deletions/{id}/reject")] HttpRequest req,
        string id, [DurableClient] DurableTaskClient client, CancellationToken ct = default)
    {
        var requestId = RouteIds.Guid(id, What);
        var by = PrivacyFields.Name((await RequestBody.ReadJsonAsync<DecisionBody>(req, ct)).RejectedBy, "rejectedBy");
        var request = await requests.RejectAsync(requestId, by, ct);
        await client.RaisePrivacyDecisionAsync(requestId, new PrivacyDecision(false, by), ct);
        return ApiResults.Json(StatusCodes.Status200OK, await views.CreateAsync(req, request, ct));
    }

    [RequireRole(Roles.PrivacyOfficer)]
    [Function(nameof(GetPrivacyRequest))]
    public async Task<IActionResult> GetPrivacyRequest(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "privacy/requests/{id}")] HttpRequest req,
        string id, CancellationToken ct = default)
    {
        var request = await requests.GetAsync(RouteIds.Guid(id, What), ct);
        return ApiResults.Json(StatusCodes.Status200OK, await views.CreateAsync(req, request, ct));
    }

    private async Task<IActionResult> AcceptedAsync(HttpRequest req, PrivacyRequest request, CancellationToken ct)
    {
        var view = await views.CreateAsync(req, request, ct);
        return ApiResults.Json(StatusCodes.Status202Accepted, view, new Dictionary<string, string> { ["Location"] = view.StatusUrl });
    }
}
