using System.Globalization;
using System.Net;
using Impact.Shared.Http;
using Impact.Shared.Webhooks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Impact.Ingest.Webhooks;

/// <summary>The operator's view of deliveries that failed for good: list, replay, discard. Function key required.</summary>
public sealed class WebhookDeadLetters(DeadLetters deadLetters, WebhookDeliveries deliveries, KintellProcessor processor, WebhookQueue queue)
{
    /// <summary>Who performs an admin action; function keys identify no person, so the caller says.</summary>
    public const string PerformedByHeader = "X-Performed-By";

    [Function(nameof(ListDeadLetters))]
    public async Task<IActionResult> ListDeadLetters(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "webhooks/dlq")] HttpRequest request, CancellationToken ct)
    {
        var limit = ParseLimit(request.Query["limit"]);
        var eventType = request.Query["eventType"].ToString() is { Length: > 0 } t ? t : null;
        var items = await deadLetters.ListAsync(limit, eventType, ct);
        var stats = await deadLetters.StatsAsync(ct);
        return ApiResults.Json(StatusCodes.Status200OK, new { items, stats });
    }

    [Function(nameof(ReplayDeadLetter))]
    public async Task<IActionResult> ReplayDeadLetter(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "webhooks/dlq/{deliveryId}/replay")] HttpRequest request,
        string deliveryId, CancellationToken ct)
    {
        var by = PerformedBy(request);
        var delivery = await deliveries.FindAsync(KintellProcessor.Source, deliveryId, ct)
            ?? throw ProblemException.NotFound($"No delivery {deliveryId}.");
        if (delivery.Status != "dead_lettered")
        {
            throw new ProblemException(HttpStatusCode.Conflict, "Not dead-lettered",
                $"Delivery {deliveryId} is '{delivery.Status}'; only dead-lettered deliveries can be replayed.");
        }

        try
        {
            // Really processed again, now, so the operator sees whether the fix worked.
            await processor.ProcessAsync(KintellProcessor.Source, deliveryId, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            await deadLetters.AuditReplayAsync(KintellProcessor.Source, deliveryId, by, "failed", ct);
            var after = await deliveries.FindAsync(KintellProcessor.Source, deliveryId, ct);
            throw new ProblemException(HttpStatusCode.UnprocessableEntity, "Replay failed",
                $"Delivery {deliveryId} failed again and stays dead-lettered: {after?.LastError}");
        }

        await deadLetters.AuditReplayAsync(KintellProcessor.Source, deliveryId, by, "processed", ct);
        return ApiResults.Json(StatusCodes.Status200OK, new { deliveryId, status = "processed" });
    }

    [Function(nameof(ReplayDeadLettersSince))]
    public async Task<IActionResult> ReplayDeadLettersSince(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "webhooks/dlq/replay")] HttpRequest request, CancellationToken ct)
    {
        var by = PerformedBy(request);
        if (!DateTimeOffset.TryParse(request.Query["since"], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var since))
        {
            throw ProblemException.Validation("Give the query parameter since as an ISO 8601 date-time.",
                new Dictionary<string, string[]> { ["since"] = ["must be an ISO 8601 date-time, e.g. 2026-11-01T00:00:00Z"] });
        }

        var released = await deadLetters.ReleaseSinceAsync(since, by, ct);
        foreach (var m in released)
        {
            // A send that fails leaves the row 'received': the outbox sweeper enqueues it later.
            await queue.SendAsync(m, ct);
            await deliveries.MarkQueuedAsync(m.Source, m.DeliveryId, ct);
        }

        return ApiResults.Json(StatusCodes.Status202Accepted, new { queued = released.Count, deliveryIds = released.Select(m => m.DeliveryId) });
    }

    [Function(nameof(DiscardDeadLetter))]
    public async Task<IActionResult> DiscardDeadLetter(
        [HttpTrigger(AuthorizationLevel.Function, "delete", Route = "webhooks/dlq/{deliveryId}")] HttpRequest request,
        string deliveryId, CancellationToken ct)
    {
        var by = PerformedBy(request);
        var reason = request.Query["reason"].ToString() is { Length: > 0 } r ? r : null;
        if (!await deadLetters.DiscardAsync(KintellProcessor.Source, deliveryId, by, reason, ct))
        {
            throw ProblemException.NotFound($"No dead-lettered delivery {deliveryId}.");
        }

        return ApiResults.Json(StatusCodes.Status200OK, new { deliveryId, status = "discarded" });
    }

    private static string PerformedBy(HttpRequest request) =>
        request.Headers[PerformedByHeader].ToString() is { Length: > 0 and <= 200 } by
            ? by
            : throw ProblemException.Validation($"Name the operator in the {PerformedByHeader} header; it goes to the audit log.",
                new Dictionary<string, string[]> { [PerformedByHeader] = ["is required (1-200 characters)"] });

    private static int ParseLimit(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return 50;
        }

        return int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var limit) && limit is >= 1 and <= 500
            ? limit
            : throw ProblemException.Validation("limit must be a whole number from 1 to 500.",
                new Dictionary<string, string[]> { ["limit"] = ["must be a whole number from 1 to 500"] });
    }
}
