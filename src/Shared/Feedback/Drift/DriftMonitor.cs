using System.Text.Json;
using Dapper;
using Impact.Shared.Events;
using Impact.Shared.Security;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Impact.Shared.Feedback.Drift;

/// <summary>
/// The Q2Q drift check (SPEC §I), daily and on demand: per company and language, the label distribution of each outcome
/// dimension (<see cref="DriftBins"/>) in the recent window (<see cref="DriftOptions.RecentDays"/> up to the check)
/// against the baseline window (<see cref="DriftOptions.BaselineDays"/> before it), PSI and JS divergence
/// (<see cref="DriftMath"/>). A check's figures are those of its most drifted dimension. <c>q2q.drift.alert</c> is emitted
/// once per alert episode: when a check is <c>alert</c> and the previous check of that company and language with enough
/// data was not (checks of one company and language are serialised by an advisory lock, so two runs at once cannot both
/// start the episode). A text re-scored by another model counts once, with its latest scores.
/// </summary>
public sealed class DriftMonitor(NpgsqlDataSource dataSource, IOptions<DriftOptions> options, TimeProvider clock)
{
    private const string Columns = """
        id, company_id AS CompanyId, language, recent_from AS RecentFrom, recent_to AS RecentTo, baseline_from AS BaselineFrom,
        baseline_to AS BaselineTo, recent_texts AS RecentTexts, baseline_texts AS BaselineTexts, psi, js_divergence AS JsDivergence,
        dimension, status, alerted, dimensions::text AS Dimensions, checked_at AS CheckedAt
        """;

    /// <summary>
    /// Checks every company and language with scores in the two windows ending at <paramref name="asOf"/> (now when null), or only
    /// <paramref name="companyId"/>'s, and stores one check each. Returns the checks, by company and language.
    /// </summary>
    public async Task<IReadOnlyList<DriftCheck>> RunAsync(DateTimeOffset? asOf = null, Guid? companyId = null, CancellationToken ct = default)
    {
        var o = options.Value;
        var recentTo = (asOf ?? clock.GetUtcNow()).UtcDateTime;
        var recentFrom = recentTo.AddDays(-o.RecentDays);
        var baselineFrom = recentFrom.AddDays(-o.BaselineDays);

        List<CountRow> counts;
        await using (var conn = await dataSource.OpenConnectionAsync(ct))
        {
            counts = [.. await conn.QueryAsync<CountRow>(new CommandDefinition(
                """
                WITH latest AS (
                    SELECT DISTINCT ON (text_id, dimension) company_id, language, dimension, score, scored_at
                    FROM impact.outcome_scores
                    WHERE company_id IS NOT NULL AND scored_at >= @baselineFrom AND scored_at < @recentTo
                      AND (@companyId::uuid IS NULL OR company_id = @companyId)
                    ORDER BY text_id, dimension, scored_at DESC
                )
                SELECT company_id AS CompanyId, language, dimension, scored_at >= @recentFrom AS Recent, score, count(*) AS Texts
                FROM latest
                GROUP BY 1, 2, 3, 4, 5
                """, new { baselineFrom, recentFrom, recentTo, companyId }, commandTimeout: 300, cancellationToken: ct))];
        }

        var checks = new List<DriftCheck>();
        foreach (var group in counts.GroupBy(c => (c.CompanyId, c.Language)).OrderBy(g => g.Key.CompanyId).ThenBy(g => g.Key.Language, StringComparer.Ordinal))
        {
            var dimensions = OutcomeDimensions.All.Select(d => Measure(d, group.Where(c => c.Dimension == d).ToList(), o.MinSamples)).ToList();
            var recentTexts = (int)dimensions.Max(d => d.Recent.Sum());
            var baselineTexts = (int)dimensions.Max(d => d.Baseline.Sum());
            var enough = recentTexts >= o.MinSamples && baselineTexts >= o.MinSamples;
            var worst = enough ? dimensions.Where(d => d.Psi is not null).MaxBy(d => d.Psi) : null;
            var status = worst is null ? DriftStatus.InsufficientData : DriftStatus.Of(worst.Psi!.Value);
            checks.Add(await StoreAsync(new DriftCheck(Guid.Empty, group.Key.CompanyId, group.Key.Language, recentFrom, recentTo, baselineFrom, recentFrom,
                recentTexts, baselineTexts, worst?.Psi, worst is null ? null : dimensions.Max(d => d.JsDivergence), worst?.Dimension, status, false,
                dimensions, default), ct));
        }

        return checks;
    }

    /// <summary>Checks, newest first: of <paramref name="caller"/>'s company (an operator: of <paramref name="companyId"/>, or all).</summary>
    public async Task<IReadOnlyList<DriftCheck>> ListAsync(Caller caller, Guid? companyId, string? language, string? status, int limit, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(caller);
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        var rows = await conn.QueryAsync<Row>(new CommandDefinition(
            $"""
            SELECT {Columns} FROM impact.drift_checks
            WHERE (@scope::uuid IS NULL OR company_id = @scope)
              AND (@language::text IS NULL OR language = @language)
              AND (@status::text IS NULL OR status = @status)
            ORDER BY checked_at DESC, id
            LIMIT @limit
            """, new { scope = caller.ScopeCompany(companyId), language, status, limit }, cancellationToken: ct));
        return [.. rows.Select(r => r.ToCheck())];
    }

    private static DriftDimension Measure(string dimension, List<CountRow> rows, int minSamples)
    {
        var bins = DriftBins.Of(dimension);
        var baseline = new long[bins.Count];
        var recent = new long[bins.Count];
        foreach (var row in rows)
        {
            (row.Recent ? recent : baseline)[DriftBins.Index(dimension, row.Score)] += row.Texts;
        }

        if (baseline.Sum() < minSamples || recent.Sum() < minSamples)
        {
            return new DriftDimension(dimension, bins, baseline, recent, null, null, DriftStatus.InsufficientData);
        }

        var psi = DriftMath.Psi(baseline, recent);
        return new DriftDimension(dimension, bins, baseline, recent, psi, DriftMath.JensenShannon(baseline, recent), DriftStatus.Of(psi));
    }

    private async Task<DriftCheck> StoreAsync(DriftCheck check, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(
            "SELECT pg_advisory_xact_lock(hashtext('impact.drift_checks'), hashtext(@key))",
            new { key = $"{check.CompanyId}:{check.Language}" }, tx, cancellationToken: ct));
        var previous = await conn.QuerySingleOrDefaultAsync<string?>(new CommandDefinition(
            """
            SELECT status FROM impact.drift_checks
            WHERE company_id = @CompanyId AND language = @Language AND status <> 'insufficient_data'
            ORDER BY checked_at DESC, id
            LIMIT 1
            """, new { check.CompanyId, check.Language }, tx, cancellationToken: ct));
        var alerted = check.Status == DriftStatus.Alert && previous != DriftStatus.Alert;
        var row = await conn.QuerySingleAsync<Row>(new CommandDefinition(
            $"""
            INSERT INTO impact.drift_checks (company_id, language, recent_from, recent_to, baseline_from, baseline_to, recent_texts, baseline_texts,
                                             psi, js_divergence, dimension, status, alerted, dimensions)
            VALUES (@CompanyId, @Language, @RecentFrom, @RecentTo, @BaselineFrom, @BaselineTo, @RecentTexts, @BaselineTexts,
                    @Psi, @JsDivergence, @Dimension, @Status, @alerted, @dimensions::jsonb)
            RETURNING {Columns}
            """,
            new
            {
                check.CompanyId, check.Language, check.RecentFrom, check.RecentTo, check.BaselineFrom, check.BaselineTo, check.RecentTexts,
                check.BaselineTexts, check.Psi, check.JsDivergence, check.Dimension, check.Status, alerted,
                dimensions = JsonSerializer.Serialize(check.Dimensions, JsonDefaults.Web),
            }, tx, cancellationToken: ct));
        if (alerted)
        {
            await EventLog.AppendAsync(conn, tx, EventTypes.Q2QDriftAlert, check.CompanyId, new
            {
                checkId = row.Id, language = check.Language, psi = check.Psi, jsDivergence = check.JsDivergence, dimension = check.Dimension,
                dimensions = check.Dimensions.Where(d => d.Status == DriftStatus.Alert).Select(d => d.Dimension).ToArray(),
                recentFrom = check.RecentFrom, recentTo = check.RecentTo, recentTexts = check.RecentTexts, baselineTexts = check.BaselineTexts,
            }, ct: ct);
        }

        await tx.CommitAsync(ct);
        return row.ToCheck();
    }

    private sealed record CountRow(Guid CompanyId, string Language, string Dimension, bool Recent, double Score, long Texts);

    private sealed record Row(Guid Id, Guid CompanyId, string Language, DateTime RecentFrom, DateTime RecentTo, DateTime BaselineFrom,
        DateTime BaselineTo, int RecentTexts, int BaselineTexts, double? Psi, double? JsDivergence, string? Dimension, string Status, bool Alerted,
        string Dimensions, DateTime CheckedAt)
    {
        public DriftCheck ToCheck() => new(Id, CompanyId, Language, RecentFrom, RecentTo, BaselineFrom, BaselineTo, RecentTexts, BaselineTexts,
            Psi, JsDivergence, Dimension, Status, Alerted,
            JsonSerializer.Deserialize<List<DriftDimension>>(Dimensions, JsonDefaults.Web)!, CheckedAt);
    }
}
