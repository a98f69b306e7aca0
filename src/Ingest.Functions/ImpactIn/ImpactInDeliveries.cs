using Impact.Shared.Security;
using Impact.Ingest.Http;
using Impact.Orchestrations.ImpactIn;
using Impact.Shared.Http;
using Impact.Shared.ImpactIn;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;

namespace Impact.Ingest.ImpactIn;

/// <summary>
/// The deliveries log: list, detail, replays and per-platform stats. A company administrator sees and replays
/// its own company's deliveries; an operator all of them (bulk replay and retry-all-failed are operator-only).
/// </summary>
public sealed class ImpactInDeliveries(DeliveryStore deliveries, IOptions<ImpactInOptions> options)
{
    /// <summary>Most ids one bulk replay takes.</summary>
    public const int MaxBulkReplay = 100;

    private const string What = "Impact-In delivery";

    [RequireRole(Roles.CompanyAdmin, Roles.Operator)]
    [Query("companyId", typeof(Guid), Description = "Operators: only this company's.")]
    [Query("platform", typeof(string), Description = "benevity, goodera or workday.")]
    [Query("status", typeof(string), Description = "pending, delivering, succeeded or failed.")]
    [Query("from", typeof(DateTimeOffset), Description = "Scheduled at or after (ISO 8601).")]
    [Query("to", typeof(DateTimeOffset), Description = "Scheduled before; later than from.")]
    [Query("page", typeof(int), Description = "1-based, default 1.")]
    [Query("limit", typeof(int), Description = "1–100, default 20.")]
    [Returns(StatusCodes.Status200OK, typeof(DeliveryPage))]
    [Function(nameof(ImpactInListDeliveries))]
    public async Task<IActionResult> ImpactInListDeliveries(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "impact-in/deliveries")] HttpRequest req, CancellationToken ct)
    {
        var q = new QueryValues(req);
        var filter = new DeliveryFilter(
            q.Guid("companyId"),
            q.OneOf("platform", Platforms.All, "platform"),
            q.OneOf("status", DeliveryStatus.All, "status"),
            q.Instant("from"),
            q.Instant("to"),
            q.Int("page", 1, 1, 100_000),
            q.Int("limit", 20, 1, 100));
        if (filter is { From: { } from, To: { } to } && to <= from)
        {
            q.AddError("to", "'to' must be later than 'from'.");
        }

        q.ThrowIfInvalid();
        return ApiResults.Json(StatusCodes.Status200OK, await deliveries.ListAsync(filter, req.Caller(), ct));
    }

    [RequireRole(Roles.CompanyAdmin, Roles.Operator)]
    [Returns(StatusCodes.Status200OK, typeof(DeliveryDetail))]
    [Function(nameof(ImpactInGetDelivery))]
    public async Task<IActionResult> ImpactInGetDelivery(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "impact-in/deliveries/{id}")] HttpRequest req, string id, CancellationToken ct)
    {
        return ApiResults.Json(StatusCodes.Status200OK, await deliveries.GetAsync(RouteIds.Guid(id, What), req.Caller(), ct));
    }

    /// <summary>Sends a failed delivery again: same payload, same idempotency key, new attempts.</summary>
    [RequireRole(Roles.CompanyAdmin, Roles.Operator)]
    [Returns(StatusCodes.Status202Accepted, typeof(ReplayResult))]
    [Problems(StatusCodes.Status409Conflict)]
    [Function(nameof(ImpactInReplayDelivery))]
    public async Task<IActionResult> ImpactInReplayDelivery(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "impact-in/deliveries/{id}/replay")] HttpRequest req, string id,
        [DurableClient] DurableTaskClient client, CancellationToken ct)
    {
        var result = await deliveries.ReplayOneAsync(RouteIds.Guid(id, What), req.Caller(), ct);
        await client.StartDeliveryAsync(new DeliveryStart(result.DeliveryId, result.InstanceId!), options.Value, ct);
        return ApiResults.Json(StatusCodes.Status202Accepted, result,
            new Dictionary<string, string> { ["Location"] = $"/v1/impact-in/deliveries/{result.DeliveryId}" });
    }

    /// <summary>Replays 1–100 failed deliveries; the answer says, per id, whether it was queued and why not.</summary>
    [RequireRole(Roles.Operator)]
    [Body(typeof(BulkReplayRequest))]
    [Returns(StatusCodes.Status202Accepted, typeof(BulkReplayResult))]
    [Function(nameof(ImpactInBulkReplay))]
    public async Task<IActionResult> ImpactInBulkReplay(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "impact-in/deliveries/bulk-replay")] HttpRequest req,
        [DurableClient] DurableTaskClient client, CancellationToken ct)
    {
        var body = await RequestBody.ReadJsonAsync<BulkReplayRequest>(req, ct);
        var count = body.Ids?.Count ?? 0;
        if (count is 0 or > MaxBulkReplay)
        {
            throw ProblemException.Validation(
                $"Give between 1 and {MaxBulkReplay} delivery ids in 'ids'; got {count}.",
                new Dictionary<string, string[]> { ["ids"] = [$"Between 1 and {MaxBulkReplay} ids, got {count}."] });
        }

        var results = await deliveries.ReplayAsync(body.Ids!, req.Caller(), ct);
        var queued = results.Where(r => r.Result == ReplayOutcome.Queued).ToList();
        foreach (var replayed in queued)
        {
            await client.StartDeliveryAsync(new DeliveryStart(replayed.DeliveryId, replayed.InstanceId!), options.Value, ct);
        }

        return ApiResults.Json(StatusCodes.Status202Accepted, new BulkReplayResult(queued.Count, results));
    }

    /// <summary>Replays every failed delivery (optionally filtered by companyId and platform), up to 1,000 per call.</summary>
    [RequireRole(Roles.Operator)]
    [Query("companyId", typeof(Guid), Description = "Only this company's.")]
    [Query("platform", typeof(string), Description = "benevity, goodera or workday.")]
    [Returns(StatusCodes.Status202Accepted, typeof(RetryAllFailedResult))]
    [Function(nameof(ImpactInRetryAllFailed))]
    public async Task<IActionResult> ImpactInRetryAllFailed(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "impact-in/deliveries/retry-all-failed")] HttpRequest req,
        [DurableClient] DurableTaskClient client, CancellationToken ct)
    {
        var q = new QueryValues(req);
        var companyId = q.Guid("companyId");
        var platform = q.OneOf("platform", Platforms.All, "platform");
        q.ThrowIfInvalid();
        var queued = await deliveries.ReplayAllFailedAsync(companyId, platform, req.Caller(), ct);
        foreach (var delivery in queued)
        {
            await client.StartDeliveryAsync(delivery, options.Value, ct);
        }

        return ApiResults.Json(StatusCodes.Status202Accepted, new RetryAllFailedResult(queued.Count, queued));
    }

    /// <summary>Per-platform figures: a company administrator's own company's, an operator's across companies (or <c>?companyId=</c>).</summary>
    [RequireRole(Roles.CompanyAdmin, Roles.Operator)]
    [Query("companyId", typeof(Guid), Description = "Operators: only this company's.")]
    [Returns(StatusCodes.Status200OK, typeof(DeliveryStatsView))]
    [Function(nameof(ImpactInStats))]
    public async Task<IActionResult> ImpactInStats(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "impact-in/stats")] HttpRequest req, CancellationToken ct)
    {
        var q = new QueryValues(req);
        var companyId = q.Guid("companyId");
        q.ThrowIfInvalid();
        return ApiResults.Json(StatusCodes.Status200OK, new DeliveryStatsView(await deliveries.StatsAsync(companyId, req.Caller(), ct)));
    }
}
