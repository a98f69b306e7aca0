using System.Net;
using Impact.Orchestrations.ImpactIn;
using Impact.Shared.Http;
using Impact.Shared.ImpactIn;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;

namespace Impact.Ingest.ImpactIn;

/// <summary>Body of <c>POST /v1/impact-in/deliveries/bulk-replay</c>.</summary>
public sealed record BulkReplayRequest(IReadOnlyList<Guid>? Ids);

/// <summary>The deliveries log: list, detail, replays and per-platform stats.</summary>
public sealed class ImpactInDeliveries(DeliveryStore deliveries, IOptions<ImpactInOptions> options)
{
    /// <summary>Most ids one bulk replay takes.</summary>
    public const int MaxBulkReplay = 100;

    // The API is behind function keys; the audit log records the surface, not a person.
    private const string PerformedBy = "impact-in-api";

    [Function(nameof(ImpactInListDeliveries))]
    public async Task<IActionResult> ImpactInListDeliveries(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "impact-in/deliveries")] HttpRequest req)
    {
        var errors = new Dictionary<string, string[]>();
        var filter = new DeliveryFilter(
            QueryParsing.Guid(req, "companyId", errors),
            QueryParsing.Platform(req, errors),
            QueryParsing.Status(req, errors),
            QueryParsing.Instant(req, "from", errors),
            QueryParsing.Instant(req, "to", errors),
            QueryParsing.Int(req, "page", 1, 1, 100_000, errors),
            QueryParsing.Int(req, "limit", 20, 1, 100, errors));
        if (filter is { From: { } from, To: { } to } && to <= from)
        {
            errors["to"] = ["'to' must be later than 'from'."];
        }

        QueryParsing.ThrowIfAny(errors);
        return ApiResults.Json(StatusCodes.Status200OK, await deliveries.ListAsync(filter));
    }

    [Function(nameof(ImpactInGetDelivery))]
    public async Task<IActionResult> ImpactInGetDelivery(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "impact-in/deliveries/{id:guid}")] HttpRequest req, Guid id)
    {
        var detail = await deliveries.GetAsync(id) ?? throw NotFound(id);
        return ApiResults.Json(StatusCodes.Status200OK, new { delivery = detail.Delivery, payload = detail.Payload, attempts = detail.Attempts });
    }

    /// <summary>Sends a failed delivery again: same payload, same idempotency key, new attempts.</summary>
    [Function(nameof(ImpactInReplayDelivery))]
    public async Task<IActionResult> ImpactInReplayDelivery(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "impact-in/deliveries/{id:guid}/replay")] HttpRequest req, Guid id,
        [DurableClient] DurableTaskClient client)
    {
        var result = (await deliveries.ReplayAsync([id], PerformedBy)).Single();
        switch (result.Result)
        {
            case "not_found":
                throw NotFound(id);
            case "not_failed":
                throw new ProblemException(HttpStatusCode.Conflict, "Only failed deliveries can be replayed",
                    $"Delivery {id} is {result.Status}; only a failed delivery can be replayed.");
        }

        await client.StartDeliveryAsync(new DeliveryStart(id, result.InstanceId!), options.Value, req.HttpContext.RequestAborted);
        return ApiResults.Json(StatusCodes.Status202Accepted, result,
            new Dictionary<string, string> { ["Location"] = $"/v1/impact-in/deliveries/{id}" });
    }

    /// <summary>Replays 1–100 failed deliveries; the answer says, per id, whether it was queued and why not.</summary>
    [Function(nameof(ImpactInBulkReplay))]
    public async Task<IActionResult> ImpactInBulkReplay(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "impact-in/deliveries/bulk-replay")] HttpRequest req,
        [DurableClient] DurableTaskClient client)
    {
        var body = await ImpactInSchedules.ReadAsync<BulkReplayRequest>(req);
        var count = body.Ids?.Count ?? 0;
        if (count is 0 or > MaxBulkReplay)
        {
            throw ProblemException.Validation(
                $"Give between 1 and {MaxBulkReplay} delivery ids in 'ids'; got {count}.",
                new Dictionary<string, string[]> { ["ids"] = [$"Between 1 and {MaxBulkReplay} ids, got {count}."] });
        }

        var results = await deliveries.ReplayAsync(body.Ids!, PerformedBy);
        foreach (var queued in results.Where(r => r.Result == "queued"))
        {
            await client.StartDeliveryAsync(new DeliveryStart(queued.DeliveryId, queued.InstanceId!), options.Value, req.HttpContext.RequestAborted);
        }

        return ApiResults.Json(StatusCodes.Status202Accepted, new { queued = results.Count(r => r.Result == "queued"), results });
    }

    /// <summary>Replays every failed delivery (optionally filtered by companyId and platform), up to 1,000 per call.</summary>
    [Function(nameof(ImpactInRetryAllFailed))]
    public async Task<IActionResult> ImpactInRetryAllFailed(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "impact-in/deliveries/retry-all-failed")] HttpRequest req,
        [DurableClient] DurableTaskClient client)
    {
        var errors = new Dictionary<string, string[]>();
        var companyId = QueryParsing.Guid(req, "companyId", errors);
        var platform = QueryParsing.Platform(req, errors);
        QueryParsing.ThrowIfAny(errors);
        var queued = await deliveries.ReplayAllFailedAsync(companyId, platform, PerformedBy);
        foreach (var delivery in queued)
        {
            await client.StartDeliveryAsync(delivery, options.Value, req.HttpContext.RequestAborted);
        }

        return ApiResults.Json(StatusCodes.Status202Accepted, new { queued = queued.Count, deliveries = queued });
    }

    [Function(nameof(ImpactInStats))]
    public async Task<IActionResult> ImpactInStats(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "impact-in/stats")] HttpRequest req)
    {
        var errors = new Dictionary<string, string[]>();
        var companyId = QueryParsing.Guid(req, "companyId", errors);
        QueryParsing.ThrowIfAny(errors);
        return ApiResults.Json(StatusCodes.Status200OK, new { platforms = await deliveries.StatsAsync(companyId) });
    }

    private static ProblemException NotFound(Guid id) => ProblemException.NotFound($"There is no Impact-In delivery with id {id}.");
}
