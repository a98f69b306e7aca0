using Impact.Ingest.Http;
using Impact.Shared.Cohorts;
using Impact.Shared.Http;
using Impact.Shared.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Impact.Ingest.Cohorts;

/// <summary>
/// Cohort metrics, read from the precomputed rows (exact: <c>percentile_cont</c>, <c>stddev_samp</c>): a range of
/// periods, a trend, a comparison of up to 10 cohorts and the top cohorts of the company. Another company's cohort is a 404.
/// An unknown metric, a malformed period or <c>from</c> after <c>to</c> is a 400 naming the parameter.
/// </summary>
public sealed class CohortAnalytics(CohortStore cohorts, CohortMetricsStore metrics, TimeProvider time)
{
    /// <summary>The most cohorts one comparison takes.</summary>
    public const int MaxCompared = 10;

    private const string What = "cohort";
    private const string MetricHelp = "rating, session_hours, confidence, belonging, lang_level_proxy, job_readiness or well_being.";

    [RequireRole(Roles.CompanyAdmin, Roles.Operator)]
    [Query("metric", typeof(string), Required = true, Description = MetricHelp)]
    [Query("periodKind", typeof(string), Description = "month (default) or quarter.")]
    [Query("from", typeof(string), Description = "First period: 2026-01, 2026-Q1 or a date in it; default 11 periods before `to`.")]
    [Query("to", typeof(string), Description = "Last period, as `from`; default the current one.")]
    [Returns(StatusCodes.Status200OK, typeof(CohortMetricsList))]
    [Function(nameof(GetCohortMetrics))]
    public async Task<IActionResult> GetCohortMetrics(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "cohorts/{id}/metrics")] HttpRequest req, string id, CancellationToken ct)
    {
        var cohortId = RouteIds.Guid(id, What);
        var q = new QueryValues(req);
        var metric = Metric(q);
        var kind = q.OneOf("periodKind", CohortPeriod.Kinds, "period kind") ?? CohortPeriod.Month;
        var to = Period(q, "to", kind) ?? CohortPeriod.Of(kind, time.GetUtcNow());
        var from = Period(q, "from", kind) ?? Back(to, 11);
        if (from.Start > to.Start)
        {
            q.AddError("from", $"from ({from.Label}) is after to ({to.Label}).");
        }
        else if (Count(from, to) > CohortMetricsStore.MaxPeriods)
        {
            q.AddError("from", $"At most {CohortMetricsStore.MaxPeriods} periods at a time; {from.Label} to {to.Label} is {Count(from, to)}.");
        }

        q.ThrowIfInvalid();
        var cohort = await cohorts.GetAsync(cohortId, req.Caller(), ct);
        return ApiResults.Json(StatusCodes.Status200OK,
            new CohortMetricsList(cohort.Id, metric!, kind, await metrics.RangeAsync(cohort, metric!, kind, from.Start, to.Start, ct)));
    }

    [RequireRole(Roles.CompanyAdmin, Roles.Operator)]
    [Query("metric", typeof(string), Required = true, Description = MetricHelp)]
    [Query("periods", typeof(int), Description = "How many periods, the current one last: 1–60, default 12.")]
    [Query("periodKind", typeof(string), Description = "month (default) or quarter.")]
    [Returns(StatusCodes.Status200OK, typeof(CohortTrend))]
    [Function(nameof(GetCohortTrends))]
    public async Task<IActionResult> GetCohortTrends(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "cohorts/{id}/trends")] HttpRequest req, string id, CancellationToken ct)
    {
        var cohortId = RouteIds.Guid(id, What);
        var q = new QueryValues(req);
        var metric = Metric(q);
        var periods = q.Int("periods", 12, 1, 60);
        var kind = q.OneOf("periodKind", CohortPeriod.Kinds, "period kind") ?? CohortPeriod.Month;
        q.ThrowIfInvalid();
        var cohort = await cohorts.GetAsync(cohortId, req.Caller(), ct);
        var to = CohortPeriod.Of(kind, time.GetUtcNow());
        var values = await metrics.RangeAsync(cohort, metric!, kind, Back(to, periods - 1).Start, to.Start, ct);
        var points = values.Select((v, i) => new CohortTrendPoint(v,
            i > 0 && v.Avg is { } avg && values[i - 1].Avg is { } before ? avg - before : null)).ToList();
        return ApiResults.Json(StatusCodes.Status200OK, new CohortTrend(cohort.Id, metric!, kind, points));
    }

    /// <summary>Up to 10 cohorts side by side for one metric and period, in the order asked. Nothing is stored.</summary>
    [RequireRole(Roles.CompanyAdmin, Roles.Operator)]
    [Body(typeof(CompareCohortsRequest))]
    [Returns(StatusCodes.Status200OK, typeof(CohortRanking))]
    [Problems(StatusCodes.Status404NotFound)]
    [Idempotent]
    [Function(nameof(CompareCohorts))]
    public async Task<IActionResult> CompareCohorts(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "cohorts/compare")] HttpRequest req, CancellationToken ct)
    {
        var body = await RequestBody.ReadJsonAsync<CompareCohortsRequest>(req, ct);
        var errors = new Dictionary<string, string[]>();
        var ids = (body.CohortIds ?? []).Distinct().ToList();
        if (ids.Count == 0)
        {
            errors["cohortIds"] = ["Give the ids of 1 to 10 cohorts."];
        }
        else if (ids.Count > MaxCompared)
        {
            errors["cohortIds"] = [$"At most {MaxCompared} cohorts can be compared at a time; {ids.Count} were given."];
        }

        var metric = body.Metric is null ? null : CohortMetricNames.All.FirstOrDefault(m => string.Equals(m, body.Metric.Trim(), StringComparison.OrdinalIgnoreCase));
        if (metric is null)
        {
            errors["metric"] = [body.Metric is null ? $"metric is required: {MetricHelp}" : $"'{Clip(body.Metric)}' is not a metric: use {MetricHelp}"];
        }

        var period = body.Period is null ? null : CohortPeriod.Parse(body.Period);
        if (period is null)
        {
            errors["period"] = [body.Period is null
                ? "period is required: a month (2026-03) or a quarter (2026-Q1)."
                : $"'{Clip(body.Period)}' is not a period: use a month (2026-03) or a quarter (2026-Q1)."];
        }

        if (errors.Count > 0)
        {
            throw ProblemException.Validation("The comparison is not valid: " + string.Join(" ", errors.Values.SelectMany(v => v)), errors);
        }

        var found = await cohorts.GetManyAsync(ids, req.Caller(), ct);
        var p = period!.Value;
        return ApiResults.Json(StatusCodes.Status200OK, new CohortRanking(metric!, p.Label, p.Kind, await metrics.ForPeriodAsync(found, metric!, p, ct)));
    }

    [RequireRole(Roles.CompanyAdmin, Roles.Operator)]
    [Query("metric", typeof(string), Required = true, Description = MetricHelp)]
    [Query("limit", typeof(int), Description = "1–100, default 10.")]
    [Query("period", typeof(string), Description = "2026-03 or 2026-Q1; default the latest period of `periodKind` any cohort has data for.")]
    [Query("periodKind", typeof(string), Description = "month (default) or quarter; used when `period` is left out.")]
    [Query("companyId", typeof(Guid), Description = "Operators: only this company's cohorts.")]
    [Returns(StatusCodes.Status200OK, typeof(CohortRanking))]
    [Function(nameof(TopCohorts))]
    public async Task<IActionResult> TopCohorts(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "cohorts/top")] HttpRequest req, CancellationToken ct)
    {
        var q = new QueryValues(req);
        var metric = Metric(q);
        var limit = q.Int("limit", 10, 1, 100);
        var kind = q.OneOf("periodKind", CohortPeriod.Kinds, "period kind");
        var period = Period(q, "period", null);
        if (period is { } p && kind is not null && p.Kind != kind)
        {
            q.AddError("periodKind", $"period {p.Label} is a {p.Kind}, not a {kind}: leave periodKind out or make them agree.");
        }

        var companyId = q.Guid("companyId");
        q.ThrowIfInvalid();
        var scope = req.Caller().ScopeCompany(companyId);
        return ApiResults.Json(StatusCodes.Status200OK,
            await metrics.TopAsync(scope, metric!, period?.Kind ?? kind ?? CohortPeriod.Month, period, limit, ct));
    }

    private static string? Metric(QueryValues q)
    {
        var metric = q.OneOf("metric", CohortMetricNames.All, "metric");
        if (metric is null && q.Text("metric", 64) is null)
        {
            q.AddError("metric", $"metric is required: {MetricHelp}");
        }

        return metric;
    }

    private static CohortPeriod? Period(QueryValues q, string name, string? kind)
    {
        var text = q.Text(name, 32);
        if (text is null)
        {
            return null;
        }

        var period = CohortPeriod.Parse(text, kind);
        if (period is null)
        {
            q.AddError(name, kind switch
            {
                CohortPeriod.Month => $"'{Clip(text)}' is not a month: use 2026-03 (or a date in it, 2026-03-15).",
                CohortPeriod.Quarter => $"'{Clip(text)}' is not a quarter: use 2026-Q1 (or a month or date in it).",
                _ => $"'{Clip(text)}' is not a period: use a month (2026-03) or a quarter (2026-Q1).",
            });
        }

        return period;
    }

    private static CohortPeriod Back(CohortPeriod p, int periods)
    {
        for (var i = 0; i < periods; i++)
        {
            p = p.Previous;
        }

        return p;
    }

    private static int Count(CohortPeriod from, CohortPeriod to) =>
        ((to.Start.Year - from.Start.Year) * 12 + to.Start.Month - from.Start.Month) / (from.Kind == CohortPeriod.Month ? 1 : 3) + 1;

    private static string Clip(string value) => value.Length <= 32 ? value : value[..32] + "…";
}
