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
    [Returns(StatusCodes.Status200OK, typeof(JourneyFlagList))]
    [Function(nameof(JourneyUserFlags))]
    public async Task<IActionResult> JourneyUserFlags(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "journeys/users/{userId}/flags")] HttpRequest req, string userId, CancellationToken ct) =>
        ApiResults.Json(StatusCodes.Status200OK, new JourneyFlagList(await users.FlagsAsync(RouteIds.Guid(userId, What), req.Caller(), ct)));

    [RequireRole(Roles.CompanyAdmin, Roles.Operator)]
    [Query("limit", typeof(int), Description = "Changes to return, newest first: 1-1000, default 100.")]
    [Returns(StatusCodes.Status200OK, typeof(JourneyFlagHistory))]
    [Function(nameof(JourneyUserFlagHistory))]
    public async Task<IActionResult> JourneyUserFlagHistory(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "journeys/users/{userId}/history")] HttpRequest req, string userId, CancellationToken ct)
    {
        var id = RouteIds.Guid(userId, What);
        var q = new QueryValues(req);
        var limit = q.Int("limit", 100, 1, 1000);
        q.ThrowIfInvalid();
        return ApiResults.Json(StatusCodes.Status200OK, new JourneyFlagHistory(await users.HistoryAsync(id, req.Caller(), limit, ct)));
    }

    [RequireRole(Roles.CompanyAdmin, Roles.Operator)]
    [Returns(StatusCodes.Status200OK, typeof(JourneyMilestoneList))]
    [Function(nameof(JourneyUserMilestones))]
    public async Task<IActionResult> JourneyUserMilestones(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "journeys/users/{userId}/milestones")] HttpRequest req, string userId, CancellationToken ct) =>
        ApiResults.Json(StatusCodes.Status200OK, new JourneyMilestoneList(await users.MilestonesAsync(RouteIds.Guid(userId, What), req.Caller(), ct)));

    /// <summary>Evaluates the user's rules now and answers with the flags held afterwards.</summary>
    [RequireRole(Roles.CompanyAdmin, Roles.Operator)]
    [Returns(StatusCodes.Status200OK, typeof(JourneyUserEvaluation))]
    [Idempotent]
    [Function(nameof(JourneyEvaluateUser))]
    public async Task<IActionResult> JourneyEvaluateUser(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "journeys/users/{userId}/evaluate")] HttpRequest req, string userId, CancellationToken ct)
    {
        var id = RouteIds.Guid(userId, What);
        var caller = req.Caller();
        await users.RequireUserAsync(id, caller, ct);
        var changes = await evaluator.EvaluateUserAsync(id, ct);
        return ApiResults.Json(StatusCodes.Status200OK, new JourneyUserEvaluation(
            changes, await users.FlagsAsync(id, caller, ct), await users.MilestonesAsync(id, caller, ct)));
    }
}

/// <summary>The answer of <c>GET /v1/journeys/users/{userId}/flags</c>: the flags held now.</summary>
public sealed record JourneyFlagList(IReadOnlyList<JourneyFlagView> Items);

/// <summary>The answer of <c>GET /v1/journeys/users/{userId}/history</c>: flag changes, newest first.</summary>
public sealed record JourneyFlagHistory(IReadOnlyList<JourneyFlagChangeView> Items);

/// <summary>The answer of <c>GET /v1/journeys/users/{userId}/milestones</c>: the milestones reached.</summary>
public sealed record JourneyMilestoneList(IReadOnlyList<JourneyMilestoneView> Items);

/// <summary>The answer of <c>POST /v1/journeys/users/{userId}/evaluate</c>: how many flags changed, and the flags and milestones afterwards.</summary>
public sealed record JourneyUserEvaluation(int Changes, IReadOnlyList<JourneyFlagView> Flags, IReadOnlyList<JourneyMilestoneView> Milestones);
