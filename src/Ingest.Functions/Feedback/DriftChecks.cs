using Impact.Ingest.Http;
using Impact.Shared.Feedback.Drift;
using Impact.Shared.Http;
using Impact.Shared.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace Impact.Ingest.Feedback;

/// <summary>
/// Q2Q drift (SPEC §I): the daily check of every company and language, a run on demand (operators), and the stored checks
/// (a company administrator sees its own company's, an operator any).
/// </summary>
public sealed partial class DriftChecks(DriftMonitor monitor, ILogger<DriftChecks> logger)
{
    private static readonly string[] Languages = ["en", "uk", "no", "unknown"];

    [Function(nameof(CheckQ2QDrift))]
    public async Task CheckQ2QDrift([TimerTrigger("0 20 4 * * *")] TimerInfo timer, CancellationToken ct)
    {
        var checks = await monitor.RunAsync(null, null, ct);
        LogDaily(logger, checks.Count, checks.Count(c => c.Status == DriftStatus.Alert), checks.Count(c => c.Alerted));
    }

    /// <summary>Runs the check now (or for the windows ending at <c>asOf</c>) and answers with the checks it stored.</summary>
    [RequireRole(Roles.Operator)]
    [Body(typeof(DriftRunRequest), Description = "Optional: the end of the windows and one company.")]
    [Returns(StatusCodes.Status200OK, typeof(DriftCheckList), Description = "The checks stored by this run, by company and language.")]
    [Idempotent]
    [Function(nameof(RunQ2QDriftChecks))]
    public async Task<IActionResult> RunQ2QDriftChecks(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "q2q/drift-checks/run")] HttpRequest req, CancellationToken ct)
    {
        var body = ModelEvaluations.HasBody(req) ? await RequestBody.ReadJsonAsync<DriftRunRequest>(req, ct) : null;
        return ApiResults.Json(StatusCodes.Status200OK, new DriftCheckList(await monitor.RunAsync(body?.AsOf, body?.CompanyId, ct)));
    }

    [RequireRole(Roles.CompanyAdmin, Roles.Operator)]
    [Query("companyId", typeof(Guid), Description = "Operators: only this company's checks (company administrators always see their own).")]
    [Query("language", typeof(string), Description = "en, uk, no or unknown.")]
    [Query("status", typeof(string), Description = "ok, warn, alert or insufficient_data.")]
    [Query("limit", typeof(int), Description = "Checks to return, newest first: 1-1000, default 100.")]
    [Returns(StatusCodes.Status200OK, typeof(DriftCheckList))]
    [Function(nameof(ListQ2QDriftChecks))]
    public async Task<IActionResult> ListQ2QDriftChecks(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "q2q/drift-checks")] HttpRequest req, CancellationToken ct)
    {
        var q = new QueryValues(req);
        var companyId = q.Guid("companyId");
        var language = q.OneOf("language", Languages, "language");
        var status = q.OneOf("status", DriftStatus.All, "status");
        var limit = q.Int("limit", 100, 1, 1000);
        q.ThrowIfInvalid();
        return ApiResults.Json(StatusCodes.Status200OK, new DriftCheckList(await monitor.ListAsync(req.Caller(), companyId, language, status, limit, ct)));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Q2Q drift: {Checks} checks, {Alerts} in alert, {Started} alert episodes started")]
    private static partial void LogDaily(ILogger logger, int checks, int alerts, int started);
}

/// <summary>Drift checks, newest first (a run: by company and language).</summary>
public sealed record DriftCheckList(IReadOnlyList<DriftCheck> Items);
