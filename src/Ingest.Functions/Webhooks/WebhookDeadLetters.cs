using Impact.Shared.Security;
using Impact.Ingest.Http;
using Impact.Shared.Http;
using Impact.Shared.Webhooks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Impact.Ingest.Webhooks;

/// <summary>The operator's view of deliveries that failed for good: list, replay, discard. Operators only (Impact.Operator).</summary>
public sealed class WebhookDeadLetters(DeadLetters deadLetters)
{
    private const int MaxEventTypeLength = 64;
    private const int MaxReasonLength = 500;

    [RequireRole(Roles.Operator)]
    [Query("limit", typeof(int), Description = "1–500, default 50.")]
    [Query("eventType", typeof(string), Description = "Only this kind (e.g. session-completed), at most 64 characters.")]
    [Returns(StatusCodes.Status200OK, typeof(DeadLetterList))]
    [Function(nameof(ListDeadLetters))]
    public async Task<IActionResult> ListDeadLetters(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "webhooks/dlq")] HttpRequest request, CancellationToken ct)
    {
        var q = new QueryValues(request);
        var limit = q.Int("limit", fallback: 50, min: 1, max: 500);
        var eventType = q.Text("eventType", MaxEventTypeLength);
        q.ThrowIfInvalid();

        var items = await deadLetters.ListAsync(limit, eventType, ct);
        var stats = await deadLetters.StatsAsync(ct);
        return ApiResults.Json(StatusCodes.Status200OK, new DeadLetterList(items, stats));
    }

    [RequireRole(Roles.Operator)]
    [Returns(StatusCodes.Status200OK, typeof(DeadLetterOutcome), Description = "Processed again.")]
    [Problems(StatusCodes.Status409Conflict, StatusCodes.Status422UnprocessableEntity)]
    [Function(nameof(ReplayDeadLetter))]
    public async Task<IActionResult> ReplayDeadLetter(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "webhooks/dlq/{deliveryId}/replay")] HttpRequest request,
        string deliveryId, CancellationToken ct)
    {
        var by = request.Caller();
        await deadLetters.ReplayAsync(KintellProcessor.Source, deliveryId, by, ct);
        return ApiResults.Json(StatusCodes.Status200OK, new DeadLetterOutcome(deliveryId, WebhookDeliveryStatus.Processed));
    }

    [RequireRole(Roles.Operator)]
    [Query("since", typeof(DateTimeOffset), Required = true, Description = "Every dead letter received since this time (ISO 8601) goes back on the queue.")]
    [Returns(StatusCodes.Status202Accepted, typeof(DeadLetterReplayBatch))]
    [Function(nameof(ReplayDeadLettersSince))]
    public async Task<IActionResult> ReplayDeadLettersSince(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "webhooks/dlq/replay")] HttpRequest request, CancellationToken ct)
    {
        var by = request.Caller();
        var q = new QueryValues(request);
        var since = q.RequiredInstant("since");
        q.ThrowIfInvalid();

        var deliveryIds = await deadLetters.ReplaySinceAsync(since, by, ct);
        return ApiResults.Json(StatusCodes.Status202Accepted, new DeadLetterReplayBatch(deliveryIds.Count, deliveryIds));
    }

    [RequireRole(Roles.Operator)]
    [Query("reason", typeof(string), Description = "Why, for the audit log; at most 500 characters.")]
    [Returns(StatusCodes.Status200OK, typeof(DeadLetterOutcome), Description = "Discarded.")]
    [Problems(StatusCodes.Status409Conflict)]
    [Function(nameof(DiscardDeadLetter))]
    public async Task<IActionResult> DiscardDeadLetter(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "webhooks/dlq/{deliveryId}")] HttpRequest request,
        string deliveryId, CancellationToken ct)
    {
        var by = request.Caller();
        var q = new QueryValues(request);
        var reason = q.Text("reason", MaxReasonLength);
        q.ThrowIfInvalid();

        await deadLetters.DiscardAsync(KintellProcessor.Source, deliveryId, by, reason, ct);
        return ApiResults.Json(StatusCodes.Status200OK, new DeadLetterOutcome(deliveryId, WebhookDeliveryStatus.Discarded));
    }
}
