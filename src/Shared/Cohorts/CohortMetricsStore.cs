using Dapper;
using Npgsql;

namespace Impact.Shared.Cohorts;

/// <summary>
/// Reads of <c>impact.cohort_metrics</c>, the precomputed rows (never the raw data): one indexed read per call, and
/// never blocked by a refresh, which replaces a period's row in a transaction of its own (MVCC: the previous row until commit).
/// </summary>
public sealed class CohortMetricsStore(NpgsqlDataSource db)
{
    /// <summary>The most periods one call returns.</summary>
    public const int MaxPeriods = 120;

    /// <summary>The metric of <paramref name="cohort"/> for every period of <paramref name="kind"/> from <paramref name="from"/> to <paramref name="to"/>.</summary>
    public async Task<IReadOnlyList<CohortMetricValues>> RangeAsync(CohortView cohort, string metric, string kind, DateOnly from, DateOnly to,
        CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = (await conn.QueryAsync<Row>(new CommandDefinition(
            """
            SELECT cohort_id, metric, period_kind, period_start, n, avg, p50, p75, p95, min, max, stddev, computed_at
            FROM impact.cohort_metrics
            WHERE cohort_id = @id AND metric = @metric AND period_kind = @kind AND period_start BETWEEN @from::date AND @to::date
            ORDER BY period_start
            """, new { id = cohort.Id, metric, kind, from = from.ToDateTime(TimeOnly.MinValue), to = to.ToDateTime(TimeOnly.MinValue) },
            cancellationToken: ct))).ToDictionary(r => r.period_start);
        var result = new List<CohortMetricValues>();
        for (var p = new CohortPeriod(kind, from); p.Start <= to; p = p.Next)
        {
            result.Add(rows.TryGetValue(p.Start, out var row) ? Values(row) : Empty(cohort.Id, metric, p));
        }

        return result;
    }

    /// <summary>The metric of each of <paramref name="cohorts"/> for one period, in their order.</summary>
    public async Task<IReadOnlyList<CohortRankingItem>> ForPeriodAsync(IReadOnlyList<CohortView> cohorts, string metric, CohortPeriod period,
        CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = (await conn.QueryAsync<Row>(new CommandDefinition(
            """
            SELECT cohort_id, metric, period_kind, period_start, n, avg, p50, p75, p95, min, max, stddev, computed_at
            FROM impact.cohort_metrics
            WHERE cohort_id = ANY(@ids) AND metric = @metric AND period_kind = @kind AND period_start = @start::date
            """, new { ids = cohorts.Select(c => c.Id).ToArray(), metric, kind = period.Kind, start = period.Start.ToDateTime(TimeOnly.MinValue) },
            cancellationToken: ct))).ToDictionary(r => r.cohort_id);
        return [.. cohorts.Select(c => new CohortRankingItem(c.Id, c.Name, rows.TryGetValue(c.Id, out var r) ? Values(r) : Empty(c.Id, metric, period)))];
    }

    /// <summary>
    /// The <paramref name="limit"/> cohorts of <paramref name="companyId"/> (null: every company's) with the highest mean of
    /// <paramref name="metric"/> in <paramref name="period"/> — by default the latest period any of them has data for.
    /// </summary>
    public async Task<CohortRanking> TopAsync(Guid? companyId, string metric, string kind, CohortPeriod? period, int limit, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var start = period?.Start ?? await conn.ExecuteScalarAsync<DateOnly?>(new CommandDefinition(
            """
            SELECT max(m.period_start) FROM impact.cohort_metrics m JOIN impact.cohorts c ON c.id = m.cohort_id
            WHERE m.metric = @metric AND m.period_kind = @kind AND (@companyId::uuid IS NULL OR c.company_id = @companyId)
            """, new { metric, kind, companyId }, cancellationToken: ct));
        if (start is null)
        {
            return new CohortRanking(metric, null, kind, []);
        }

        var rows = await conn.QueryAsync<RankedRow>(new CommandDefinition(
            """
            SELECT c.name, m.cohort_id, m.metric, m.period_kind, m.period_start, m.n, m.avg, m.p50, m.p75, m.p95, m.min, m.max, m.stddev, m.computed_at
            FROM impact.cohort_metrics m JOIN impact.cohorts c ON c.id = m.cohort_id
            WHERE m.metric = @metric AND m.period_kind = @kind AND m.period_start = @start::date
              AND (@companyId::uuid IS NULL OR c.company_id = @companyId)
            ORDER BY m.avg DESC, m.n DESC, m.cohort_id
            LIMIT @limit
            """, new { metric, kind, start = start.Value.ToDateTime(TimeOnly.MinValue), companyId, limit }, cancellationToken: ct));
        var label = new CohortPeriod(kind, start.Value).Label;
        return new CohortRanking(metric, label, kind, [.. rows.Select(r => new CohortRankingItem(r.cohort_id, r.name,
            Values(new Row(r.cohort_id, r.metric, r.period_kind, r.period_start, r.n, r.avg, r.p50, r.p75, r.p95, r.min, r.max, r.stddev, r.computed_at))))]);
    }

    private static CohortMetricValues Values(Row r)
    {
        var period = new CohortPeriod(r.period_kind, r.period_start);
        return new CohortMetricValues(r.cohort_id, r.metric, period.Label, period.Kind, period.Start, r.n, r.avg, r.p50, r.p75, r.p95, r.min, r.max,
            r.stddev, new DateTimeOffset(DateTime.SpecifyKind(r.computed_at, DateTimeKind.Utc)));
    }

    private static CohortMetricValues Empty(Guid cohortId, string metric, CohortPeriod p) =>
        new(cohortId, metric, p.Label, p.Kind, p.Start, 0, null, null, null, null, null, null, null, null);

    private sealed record Row(Guid cohort_id, string metric, string period_kind, DateOnly period_start, int n, double avg, double p50, double p75,
        double p95, double min, double max, double? stddev, DateTime computed_at);

    private sealed record RankedRow(string name, Guid cohort_id, string metric, string period_kind, DateOnly period_start, int n, double avg, double p50,
        double p75, double p95, double min, double max, double? stddev, DateTime computed_at);
}
