using System.Text.Json;
using Azure.Storage.Blobs;
using Impact.Orchestrations.Privacy;
using Impact.Shared;
using Impact.Shared.Http;
using Impact.Shared.Privacy;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Impact.Ingest.Privacy;

/// <summary>Body of <c>POST /v1/privacy/exports</c>.</summary>
public sealed record ExportRequestBody(Guid? UserId, string? RequestedBy);

/// <summary>Body of <c>POST /v1/privacy/deletions</c>.</summary>
public sealed record DeletionRequestBody(Guid? UserId, string? RequestedBy);

/// <summary>Body of <c>POST /v1/privacy/deletions/{id}/approve</c> and <c>/reject</c>.</summary>
public sealed record DecisionBody(string? ApprovedBy, string? RejectedBy);

/// <summary>A privacy request as the API shows it.</summary>
public sealed record PrivacyRequestView(Guid Id, Guid? UserId, string Type, string Status, int Progress, string RequestedBy,
    string? ApprovedBy, string? RejectedBy, DateTime RequestedAt, DateTime DueAt, DateTime? CompletedAt, string? Error,
    string StatusUrl, string? DownloadUrl, DateTimeOffset? DownloadExpiresAt);

/// <summary>
/// GDPR data subject requests: DSAR exports and erasures, run as durable orchestrations whose instance id is the
/// request id. Administrator endpoints: function key required.
/// </summary>
public sealed class PrivacyFunctions(NpgsqlDataSource dataSource, BlobServiceClient blobs, IOptions<PrivacyOptions> options, TimeProvider time)
{
    private const int MaxNameLength = 200;

    [Function(nameof(StartPrivacyExport))]
    public async Task<IActionResult> StartPrivacyExport(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "privacy/exports")] HttpRequest req,
        [DurableClient] DurableTaskClient client, CancellationToken ct = default)
    {
        var body = await ReadAsync<ExportRequestBody>(req, ct);
        var userId = RequireUserId(body.UserId);
        var requestedBy = string.IsNullOrWhiteSpace(body.RequestedBy) ? "api" : RequireName(body.RequestedBy, "requestedBy");
        var id = Guid.NewGuid();
        var request = await PrivacyRequests.CreateAsync(dataSource, id, userId, PrivacyRequestTypes.Export, "pending", requestedBy, time.GetUtcNow(), ct);
        await ScheduleAsync(client, nameof(PrivacyExportOrchestrator), id, id, ct);
        return await AcceptedAsync(req, request, ct);
    }

    [Function(nameof(StartPrivacyDeletion))]
    public async Task<IActionResult> StartPrivacyDeletion(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "privacy/deletions")] HttpRequest req,
        [DurableClient] DurableTaskClient client, CancellationToken ct = default)
    {
        var body = await ReadAsync<DeletionRequestBody>(req, ct);
        var userId = RequireUserId(body.UserId);
        var requestedBy = RequireName(body.RequestedBy, "requestedBy");
        var id = Guid.NewGuid();
        var request = await PrivacyRequests.CreateAsync(dataSource, id, userId, PrivacyRequestTypes.Delete, "awaiting_approval", requestedBy, time.GetUtcNow(), ct);
        await ScheduleAsync(client, nameof(PrivacyDeletionOrchestrator), id, new PrivacyDeletionInput(id, options.Value.ApprovalTimeout), ct);
        return await AcceptedAsync(req, request, ct);
    }

    [Function(nameof(ApprovePrivacyDeletion))]
    public async Task<IActionResult> ApprovePrivacyDeletion(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "privacy/deletions/{id}/approve")] HttpRequest req,
        string id, [DurableClient] DurableTaskClient client, CancellationToken ct = default)
    {
        var requestId = ParseId(id);
        var by = RequireName((await ReadAsync<DecisionBody>(req, ct)).ApprovedBy, "approvedBy");
        // The database records the decision first; the event only wakes the orchestration (its timer would too).
        var request = await PrivacyRequests.ApproveAsync(dataSource, requestId, by, ct);
        await client.RaiseEventAsync(requestId.ToString(), PrivacyDeletionOrchestrator.DecisionEvent, new PrivacyDecision(true, by), ct);
        return await AcceptedAsync(req, request, ct);
    }

    [Function(nameof(RejectPrivacyDeletion))]
    public async Task<IActionResult> RejectPrivacyDeletion(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "privacy/deletions/{id}/reject")] HttpRequest req,
        string id, [DurableClient] DurableTaskClient client, CancellationToken ct = default)
    {
        var requestId = ParseId(id);
        var by = RequireName((await ReadAsync<DecisionBody>(req, ct)).RejectedBy, "rejectedBy");
        var request = await PrivacyRequests.RejectAsync(dataSource, requestId, by, ct);
        await client.RaiseEventAsync(requestId.ToString(), PrivacyDeletionOrchestrator.DecisionEvent, new PrivacyDecision(false, by), ct);
        return ApiResults.Json(StatusCodes.Status200OK, await ViewAsync(req, request, ct));
    }

    [Function(nameof(GetPrivacyRequest))]
    public async Task<IActionResult> GetPrivacyRequest(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "privacy/requests/{id}")] HttpRequest req,
        string id, CancellationToken ct = default)
    {
        var request = await PrivacyRequests.GetAsync(dataSource, ParseId(id), ct)
            ?? throw ProblemException.NotFound($"There is no privacy request with id {id}.");
        return ApiResults.Json(StatusCodes.Status200OK, await ViewAsync(req, request, ct));
    }

    private async Task<IActionResult> AcceptedAsync(HttpRequest req, PrivacyRequest request, CancellationToken ct)
    {
        var view = await ViewAsync(req, request, ct);
        return ApiResults.Json(StatusCodes.Status202Accepted, view, new Dictionary<string, string> { ["Location"] = view.StatusUrl });
    }

    private async Task<PrivacyRequestView> ViewAsync(HttpRequest req, PrivacyRequest r, CancellationToken ct)
    {
        string? downloadUrl = null;
        DateTimeOffset? expiresAt = null;
        // A fresh short-lived link on each read: no long-lived link is ever stored or logged.
        if (r is { Type: PrivacyRequestTypes.Export, Status: "completed", ResultLocation: { } location })
        {
            expiresAt = time.GetUtcNow().Add(options.Value.DownloadLinkLifetime);
            downloadUrl = (await ExportLinks.CreateAsync(blobs, location, expiresAt.Value, ct)).ToString();
        }

        return new PrivacyRequestView(r.Id, r.UserId, r.Type, r.Status, r.Progress, r.RequestedBy, r.ApprovedBy, r.RejectedBy,
            r.RequestedAt, r.DueAt, r.CompletedAt, r.Error, StatusUrl(req, r.Id), downloadUrl, expiresAt);
    }

    // The route prefix (v1) is whatever precedes /privacy/ in the path this request came in on.
    private static string StatusUrl(HttpRequest req, Guid id)
    {
        var path = req.Path.Value ?? "";
        var at = path.IndexOf("/privacy/", StringComparison.Ordinal);
        var prefix = at >= 0 ? path[..at] : "/v1";
        return $"{req.Scheme}://{req.Host}{req.PathBase}{prefix}/privacy/requests/{id}";
    }

    private async Task ScheduleAsync(DurableTaskClient client, string orchestrator, Guid id, object input, CancellationToken ct)
    {
        try
        {
            await client.ScheduleNewOrchestrationInstanceAsync(new TaskName(orchestrator), input,
                new StartOrchestrationOptions(InstanceId: id.ToString()), ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Without an orchestration the row would wait forever: say so on it, then answer 500.
            await PrivacyRequests.FailAsync(dataSource, id, "could not start the orchestration", CancellationToken.None);
            throw;
        }
    }

    // An empty or malformed body throws JsonException, which ProblemMapping answers with a 400.
    private static async Task<T> ReadAsync<T>(HttpRequest req, CancellationToken ct) where T : class =>
        await JsonSerializer.DeserializeAsync<T>(req.Body, JsonDefaults.Web, ct)
            ?? throw ProblemException.Validation("The request needs a JSON object body.", new Dictionary<string, string[]> { ["body"] = ["must be a JSON object"] });

    private static Guid RequireUserId(Guid? userId) =>
        userId is { } id && id != Guid.Empty
            ? id
            : throw ProblemException.Validation("userId is required: the id of the person the request is about.",
                new Dictionary<string, string[]> { ["userId"] = ["required, a UUID"] });

    private static string RequireName(string? name, string field) =>
        string.IsNullOrWhiteSpace(name) || name.Length > MaxNameLength
            ? throw ProblemException.Validation($"{field} is required: the name of the administrator (at most {MaxNameLength} characters).",
                new Dictionary<string, string[]> { [field] = ["required, 1-200 characters"] })
            : name.Trim();

    private static Guid ParseId(string id) =>
        Guid.TryParse(id, out var g) ? g : throw ProblemException.NotFound($"There is no privacy request with id {id}: request ids are UUIDs.");
}
