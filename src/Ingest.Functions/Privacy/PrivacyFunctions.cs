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
/// request id. Privacy officers only (<see cref="Roles.PrivacyOfficer"/>), for people of their own company: another
/// company's person or request is the same 404 as an unknown id. Who asked, approved or rejected is the token's
/// principal; names in a body are ignored.
/// </summary>
public sealed class PrivacyFunctions(PrivacyRequestStore requests, PrivacyRequestViews views, IOptions<PrivacyOptions> options)
{
    private const string What = "privacy request";

    [RequireRole(Roles.PrivacyOfficer)]
    [Body(typeof(ExportRequestBody))]
    [Returns(StatusCodes.Status202Accepted, typeof(PrivacyRequestView), Description = "Started; `Location` is the status URL.")]
    [Problems(StatusCodes.Status404NotFound)]
    [Function(nameof(StartPrivacyExport))]
    public async Task<IActionResult> StartPrivacyExport(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "privacy/exports")] HttpRequest req,
        [DurableClient] DurableTaskClient client, CancellationToken ct = default)
    {
        var caller = req.Caller();
        var body = await RequestBody.ReadJsonAsync<ExportRequestBody>(req, ct);
        var userId = PrivacyFields.UserId(body.UserId);
        var request = await requests.CreateAsync(Guid.NewGuid(), userId, PrivacyRequestTypes.Export, caller, ct);
        await client.StartPrivacyExportAsync(requests, request.Id, ct);
        return await AcceptedAsync(req, request, ct);
    }

    [RequireRole(Roles.PrivacyOfficer)]
    [Body(typeof(DeletionRequestBody))]
    [Returns(StatusCodes.Status202Accepted, typeof(PrivacyRequestView), Description = "Awaiting a second privacy officer's approval.")]
    [Problems(StatusCodes.Status404NotFound)]
    [Function(nameof(StartPrivacyDeletion))]
    public async Task<IActionResult> StartPrivacyDeletion(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "privacy/deletions")] HttpRequest req,
        [DurableClient] DurableTaskClient client, CancellationToken ct = default)
    {
        var caller = req.Caller();
        var body = await RequestBody.ReadJsonAsync<DeletionRequestBody>(req, ct);
        var userId = PrivacyFields.UserId(body.UserId);
        var request = await requests.CreateAsync(Guid.NewGuid(), userId, PrivacyRequestTypes.Delete, caller, ct);
        await client.StartPrivacyDeletionAsync(requests, request.Id, options.Value.ApprovalTimeout, ct);
        return await AcceptedAsync(req, request, ct);
    }

    [RequireRole(Roles.PrivacyOfficer)]
    [Returns(StatusCodes.Status202Accepted, typeof(PrivacyRequestView), Description = "Approved; the erasure runs.")]
    [Problems(StatusCodes.Status409Conflict)]
    [Function(nameof(ApprovePrivacyDeletion))]
    public async Task<IActionResult> ApprovePrivacyDeletion(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "privacy/deletions/{id}/approve")] HttpRequest req,
        string id, [DurableClient] DurableTaskClient client, CancellationToken ct = default)
    {
        var caller = req.Caller();
        var requestId = RouteIds.Guid(id, What);
        // No body is read: the approver is the token's principal. The database records the decision first; the event
        // only wakes the orchestration (its timer would too).
        var request = await requests.ApproveAsync(requestId, caller, ct);
        await client.RaisePrivacyDecisionAsync(requestId, new PrivacyDecision(true, caller.Principal), ct);
        return await AcceptedAsync(req, request, ct);
    }

    [RequireRole(Roles.PrivacyOfficer)]
    [Returns(StatusCodes.Status200OK, typeof(PrivacyRequestView), Description = "Rejected; nothing is erased.")]
    [Problems(StatusCodes.Status409Conflict)]
    [Function(nameof(RejectPrivacyDeletion))]
    public async Task<IActionResult> RejectPrivacyDeletion(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "privacy/deletions/{id}/reject")] HttpRequest req,
        string id, [DurableClient] DurableTaskClient client, CancellationToken ct = default)
    {
        var caller = req.Caller();
        var requestId = RouteIds.Guid(id, What);
        var request = await requests.RejectAsync(requestId, caller, ct);
        await client.RaisePrivacyDecisionAsync(requestId, new PrivacyDecision(false, caller.Principal), ct);
        return ApiResults.Json(StatusCodes.Status200OK, await views.CreateAsync(req, request, ct));
    }

    [RequireRole(Roles.PrivacyOfficer)]
    [Returns(StatusCodes.Status200OK, typeof(PrivacyRequestView))]
    [Function(nameof(GetPrivacyRequest))]
    public async Task<IActionResult> GetPrivacyRequest(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "privacy/requests/{id}")] HttpRequest req,
        string id, CancellationToken ct = default)
    {
        var caller = req.Caller();
        var request = await requests.GetAsync(RouteIds.Guid(id, What), caller, ct);
        return ApiResults.Json(StatusCodes.Status200OK, await views.CreateAsync(req, request, ct));
    }

    private async Task<IActionResult> AcceptedAsync(HttpRequest req, PrivacyRequest request, CancellationToken ct)
    {
        var view = await views.CreateAsync(req, request, ct);
        return ApiResults.Json(StatusCodes.Status202Accepted, view, new Dictionary<string, string> { ["Location"] = view.StatusUrl });
    }
}
