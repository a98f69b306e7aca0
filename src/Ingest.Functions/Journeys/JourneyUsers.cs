using Impact.Ingest.Http;
using Impact.Shared.Http;
using Impact.Shared.Journeys;
using Impact.Shared.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Impact.Ingest.Journeys;

/// <summary><c>/v1/journeys/users/{userId}/…</c>: one user's flags, their history and milestones, and an evaluation on demand. Another company's user is a 404.</summary>
public sealed class JourneyUsers(JourneyUserStore users, JourneyEvaluator evaluator)
{
    private const string What = "user";

    [RequireRole(Roles.CompanyAdmin, Roles.Operator)]
    [Function(nameof(JourneyUserFlags))]
    public async Task<IActionResult> JourneyUserFlags(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "journeys/users/{userId}/flags")] HttpRequest req, string userId, CancellationToken ct) =>
        ApiResults.Json(StatusCodes.Status200OK, new { items = await users.FlagsAsync(RouteIds.Guid(userId, What), req.Caller(), ct) });

    [RequireRole(Roles.CompanyAdmin, Roles.Operator)]
    [Function(nameof(JourneyUserFlagHistory))]
    public async Task<IActionResult> JourneyUserFlagHistory(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "journeys/users/{userId}/history")] HttpRequest req, string userId, CancellationToken ct)
    {
        var id = RouteIds.Guid(userId, What);
        var q = new QueryValues(req);
        var limit = q.Int("limit", 100, 1, 1000);
        q.ThrowIfInvalid();
        return ApiResults.Json(StatusCodes.Status200OK, new { items = await users.HistoryAsync(id, req.Caller(), limit, ct) });
    }

    [RequireRole(Roles.CompanyAdmin, Roles.Operator)]
    [Function(nameof(JourneyUserMilestones))]
    public async Task<IActionResult> JourneyUserMilestones(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "journeys/users/{userId}/milestones")] HttpRequest req, string userId, CancellationToken ct) =>
        ApiResults.Json(StatusCodes.Status200OK, new { items = await users.MilestonesAsync(RouteIds.Guid(userId, What), req.Caller(), ct) });

    /// <summary>Evaluates the user's rules now and answers with the flags held afterwards.</summary>
    [RequireRole(Roles.CompanyAdmin, Roles.Operator)]
    [Function(nameof(JourneyEvaluateUser))]
    public async Task<IActionResult> JourneyEvaluateUser(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "journeys/users/{userId}/evaluate")] HttpRequest req, string userId, CancellationToken ct)
    {
        var id = RouteIds.Guid(userId, What);
        var caller = req.Caller();
        await users.RequireUserAsync(id, caller, ct);
        var changes = await evaluator.EvaluateUserAsync(id, ct);
        return ApiResults.Json(StatusCodes.Status200OK, new
        {
            changes,
            flags = await users.FlagsAsync(id, caller, ct),
            milestones = await users.MilestonesAsync(id, caller, ct),
        });
    }
}
