using Impact.Ingest.Http;
using Impact.Shared.Feedback;
using Impact.Shared.Feedback.Corpus;
using Impact.Shared.Feedback.Evaluation;
using Impact.Shared.Http;
using Impact.Shared.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Impact.Ingest.Feedback;

/// <summary>
/// <c>/v1/models/{id}/evaluations</c> (SPEC §I), for platform operators: run a registry model over a labelled set (the
/// held-out corpus split by default) and read the stored reports.
/// </summary>
public sealed class ModelEvaluations(EvaluationRuns runs)
{
    private const int MaxRecords = 2_000;
    private const int MaxIdLength = 200;
    private const int MaxNameLength = 100;
    private const int MaxBodyBytes = 4 * 1024 * 1024;
    private static readonly string[] Languages = ["en", "uk", "no"];

    /// <summary>Runs the model now, in the request, and stores the report.</summary>
    [RequireRole(Roles.Operator)]
    [Body(typeof(EvaluationRequest), Description = "Optional: the set to run on; the held-out split when there is no body.")]
    [Returns(StatusCodes.Status201Created, typeof(EvalRun), Description = "The run and its report; `Location` is its URL.")]
    [Problems(StatusCodes.Status409Conflict, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status429TooManyRequests, StatusCodes.Status503ServiceUnavailable)]
    [Idempotent]
    [Function(nameof(RunModelEvaluation))]
    public async Task<IActionResult> RunModelEvaluation(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "models/{id}/evaluations")] HttpRequest req, string id, CancellationToken ct)
    {
        var body = HasBody(req) ? await RequestBody.ReadJsonAsync<EvaluationRequest>(req, ct, MaxBodyBytes) : null;
        var run = await runs.RunAsync(id, SetOf(body), req.Caller(), body?.ChargeTo, ct);
        return ApiResults.Json(StatusCodes.Status201Created, run,
            new Dictionary<string, string> { ["Location"] = $"/v1/models/{Uri.EscapeDataString(id)}/evaluations/{run.Run.Id}" });
    }

    [RequireRole(Roles.Operator)]
    [Query("limit", typeof(int), Description = "Runs to return, newest first: 1-200, default 50.")]
    [Returns(StatusCodes.Status200OK, typeof(EvalRunList))]
    [Function(nameof(ListModelEvaluations))]
    public async Task<IActionResult> ListModelEvaluations(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "models/{id}/evaluations")] HttpRequest req, string id, CancellationToken ct)
    {
        var q = new QueryValues(req);
        var limit = q.Int("limit", 50, 1, 200);
        q.ThrowIfInvalid();
        return ApiResults.Json(StatusCodes.Status200OK, new EvalRunList(await runs.ListAsync(id, limit, ct)));
    }

    [RequireRole(Roles.Operator)]
    [Returns(StatusCodes.Status200OK, typeof(EvalRun))]
    [Function(nameof(GetModelEvaluation))]
    public async Task<IActionResult> GetModelEvaluation(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "models/{id}/evaluations/{runId}")] HttpRequest req, string id, string runId,
        CancellationToken ct) =>
        ApiResults.Json(StatusCodes.Status200OK, await runs.GetAsync(id, RouteIds.Guid(runId, "evaluation run"), ct));

    /// <summary>True when the request carries a body (an empty POST means the defaults).</summary>
    internal static bool HasBody(HttpRequest req) =>
        req.ContentLength is > 0 || (req.ContentLength is null && req.Headers.TransferEncoding.Count > 0);

    private static EvaluationSet SetOf(EvaluationRequest? body)
    {
        if (body?.Records is null)
        {
            if (body?.Set is not null && body.Set != EvaluationSet.HeldOutName)
            {
                throw Invalid("set", $"'{Clip(body.Set)}' is not a built-in set: use {EvaluationSet.HeldOutName}, or send name and records.");
            }

            return EvaluationSet.HeldOut;
        }

        var errors = new Dictionary<string, string[]>();
        if (body.Set is not null)
        {
            errors["set"] = ["give either set or records, not both"];
        }

        var name = body.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > MaxNameLength || name.Any(char.IsControl) || name == EvaluationSet.HeldOutName)
        {
            errors["name"] = [$"is required with records: 1-{MaxNameLength} characters, not '{EvaluationSet.HeldOutName}'"];
        }

        if (body.Records.Count is 0 or > MaxRecords)
        {
            errors["records"] = [$"must hold 1 to {MaxRecords} records"];
        }

        var records = new List<CorpusRecord>();
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < body.Records.Count && errors.Count < 20; i++)
        {
            var r = body.Records[i];
            var at = $"records[{i}]";
            if (r is null)
            {
                errors[at] = ["must be an object"];
                continue;
            }

            if (string.IsNullOrEmpty(r.Id) || r.Id.Length > MaxIdLength || r.Id.Any(char.IsControl))
            {
                errors[at + ".id"] = [$"is required: 1-{MaxIdLength} characters without control characters"];
            }
            else if (!ids.Add(r.Id))
            {
                errors[at + ".id"] = ["is used by an earlier record: ids must be unique"];
            }

            if (!Languages.Contains(r.Language))
            {
                errors[at + ".language"] = [$"must be one of {string.Join(", ", Languages)}"];
            }

            if (string.IsNullOrWhiteSpace(r.Text) || r.Text.Length > TextLimit)
            {
                errors[at + ".text"] = [$"is required: 1 to {TextLimit} characters"];
            }

            var labels = Labels(r.Labels, at + ".labels", errors);
            if (labels is not null && errors.Count == 0)
            {
                records.Add(new CorpusRecord(r.Id!, r.Text!, r.Language!, null, null, "given", CorpusSplit.Eval, labels));
            }
        }

        if (errors.Count > 0)
        {
            throw ProblemException.Validation(
                "Fix these fields: " + string.Join("; ", errors.Select(e => $"{e.Key} {string.Join(", ", e.Value)}")) + ".", errors);
        }

        return new EvaluationSet(name!, records);
    }

    private const int TextLimit = 10_000;

    private static Q2QLabels? Labels(EvaluationLabels? l, string at, Dictionary<string, string[]> errors)
    {
        if (l is null)
        {
            errors[at] = ["are required (the gold labels)"];
            return null;
        }

        var ok = true;
        if (!Q2QLabelCatalog.LanguageComfortValues.Contains(l.LanguageComfort))
        {
            errors[at + ".languageComfort"] = [$"must be one of {string.Join(", ", Q2QLabelCatalog.LanguageComfortValues)}"];
            ok = false;
        }

        ok &= Names(l.EmployabilitySignals, Q2QLabelCatalog.EmployabilitySignals, at + ".employabilitySignals", errors);
        ok &= Names(l.RiskCues, Q2QLabelCatalog.RiskCues, at + ".riskCues", errors);
        ok &= Names(l.Topics, Q2QLabelCatalog.Topics, at + ".topics", errors);
        return ok
            ? new Q2QLabels(l.ConfidenceIncrease, l.ConfidenceDecrease, l.BelongingIncrease, l.BelongingDecrease, l.LanguageComfort!,
                [.. l.EmployabilitySignals ?? []], [.. l.RiskCues ?? []], [.. l.Topics ?? []], [])
            : null;
    }

    private static bool Names(IReadOnlyList<string>? given, IReadOnlyList<string> allowed, string at, Dictionary<string, string[]> errors)
    {
        var unknown = (given ?? []).Where(n => !allowed.Contains(n)).ToList();
        if (unknown.Count == 0)
        {
            return true;
        }

        errors[at] = [$"'{Clip(unknown[0])}' is not a label here: use {string.Join(", ", allowed)}"];
        return false;
    }

    private static ProblemException Invalid(string field, string message) =>
        ProblemException.Validation(message, new Dictionary<string, string[]> { [field] = [message] });

    private static string Clip(string value) => value.Length <= 50 ? value : value[..50] + "…";
}

/// <summary>The answer of <c>GET /v1/models/{id}/evaluations</c>: the model's runs, newest first, without their reports.</summary>
public sealed record EvalRunList(IReadOnlyList<EvalRunSummary> Items);
