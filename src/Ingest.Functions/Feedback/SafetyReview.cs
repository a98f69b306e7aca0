using Impact.Ingest.Http;
using Impact.Shared.Feedback.Review;
using Impact.Shared.Http;
using Impact.Shared.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Impact.Ingest.Feedback;

/// <summary>The safety review queue (SPEC §G), for reviewers of the token's company (<c>Impact.Reviewer</c>).</summary>
public sealed class SafetyReview(SafetyReviewStore reviews)
{
    private const string What = "review item";

    [RequireRole(Roles.Reviewer)]
    [Query("status", typeof(string), Description = "Only items of this status.")]
    [Query("risk", typeof(string), Description = "Only items of this risk level: medium or high.")]
    [Query("page", typeof(int), Description = "The page, from 1 (default 1).")]
    [Query("limit", typeof(int), Description = "Items per page: 1-100, default 20.")]
    [Returns(StatusCodes.Status200OK, typeof(ReviewPage))]
    [Function(nameof(ListSafetyQueue))]
    public async Task<IActionResult> ListSafetyQueue(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "safety/queue")] HttpRequest req, CancellationToken ct)
    {
        var q = new QueryValues(req);
        var status = q.OneOf("status", ReviewStatus.All, "status");
        var risk = q.OneOf("risk", ["medium", "high"], "risk level of the review queue");
        var page = q.Int("page", 1, 1, 100_000);
        var limit = q.Int("limit", 20, 1, 100);
        q.ThrowIfInvalid();
        return ApiResults.Json(StatusCodes.Status200OK, await reviews.ListAsync(req.Caller(), status, risk, page, limit, ct));
    }

    [RequireRole(Roles.Reviewer)]
    [Returns(StatusCodes.Status200OK, typeof(ReviewItemDetail))]
    [Function(nameof(GetSafetyQueueItem))]
    public async Task<IActionResult> GetSafetyQueueItem(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "safety/queue/{id}")] HttpRequest req, string id, CancellationToken ct) =>
        ApiResults.Json(StatusCodes.Status200OK, await reviews.GetAsync(req.Caller(), RouteIds.Guid(id, What), ct));

    [RequireRole(Roles.Reviewer)]
    [Body(typeof(DecisionRequest))]
    [Returns(StatusCodes.Status200OK, typeof(ReviewItem))]
    [Problems(StatusCodes.Status409Conflict)]
    [Idempotent]
    [Function(nameof(DecideSafetyQueueItem))]
    public async Task<IActionResult> DecideSafetyQueueItem(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "safety/queue/{id}/decision")] HttpRequest req, string id, CancellationToken ct)
    {
        var itemId = RouteIds.Guid(id, What);
        var body = await RequestBody.ReadJsonAsync<DecisionRequest>(req, ct);
        var errors = new Dictionary<string, string[]>();
        if (body.Decision is null || !ReviewStatus.Decisions.ContainsKey(body.Decision))
        {
            errors["decision"] = [$"must be one of {string.Join(", ", ReviewStatus.Decisions.Keys)}"];
        }

        var notes = string.IsNullOrWhiteSpace(body.Notes) ? null : body.Notes.Trim();
        if (notes is { Length: > SafetyReviewStore.MaxNotesLength })
        {
            errors["notes"] = [$"may be at most {SafetyReviewStore.MaxNotesLength} characters long"];
        }

        if (errors.Count > 0)
        {
            throw ProblemException.Validation(
                "Fix these fields: " + string.Join("; ", errors.Select(e => $"{e.Key} {string.Join(", ", e.Value)}")) + ".", errors);
        }

        return ApiResults.Json(StatusCodes.Status200OK, await reviews.DecideAsync(req.Caller(), itemId, body.Decision!, notes, ct));
    }

    [RequireRole(Roles.Reviewer)]
    [Returns(StatusCodes.Status200OK, typeof(ReviewStats))]
    [Function(nameof(SafetyStats))]
    public async Task<IActionResult> SafetyStats(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "safety/stats")] HttpRequest req, CancellationToken ct) =>
        ApiResults.Json(StatusCodes.Status200OK, await reviews.StatsAsync(req.Caller(), ct));
}
