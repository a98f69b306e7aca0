using System.Text;
using Impact.Ingest.Tests.Journeys;
using Impact.Shared.Cohorts;
using Impact.TestSupport;
using Impact.TestSupport.Security;
using Microsoft.AspNetCore.Http;
using Npgsql;

namespace Impact.Ingest.Tests.Cohorts;

/// <summary>
/// Sessions, ratings and scores written as their real writers write them (each with its event, through
/// <see cref="JourneyData"/>), remembered here so a test can decide membership itself and recompute every number from
/// the raw rows with <c>percentile_cont</c> / <c>stddev_samp</c>, independently of the refresher's SQL.
/// </summary>
public sealed class CohortData(NpgsqlDataSource db)
{
    public JourneyData Rows { get; } = new(db);

    public List<SessionRow> Sessions { get; } = [];

    public List<ScoreRow> Scores { get; } = [];

    public async Task<SessionRow> SessionAsync(Guid company, Guid participant, Guid volunteer, DateTimeOffset at, string type, int minutes, string? level)
    {
        var externalId = await Rows.SessionAsync(company, participant, volunteer, at, type, minutes, level);
        var row = new SessionRow(company, participant, volunteer, at, type, minutes, level, externalId);
        Sessions.Add(row);
        return row;
    }

    public Task RatingAsync(SessionRow session, string fromRole, int rating, DateTimeOffset at) =>
        Rows.RatingAsync(session.Company, session.ExternalId, fromRole == "participant" ? session.Participant : session.Volunteer, fromRole, rating, at);

    public async Task ScoreAsync(Guid company, Guid user, string dimension, double score, DateTimeOffset at, string language)
    {
        await Rows.ScoreAsync(company, user, dimension, score, at, language);
        Scores.Add(new ScoreRow(company, user, dimension, at, language));
    }

    /// <summary>Who belongs to a cohort with <paramref name="f"/> of <paramref name="company"/>, decided from the rows written here.</summary>
    public HashSet<Guid> Members(Guid company, CohortFilters f)
    {
        var parts = Sessions.Where(s => s.Company == company && (f.SessionType is null || s.Type == f.SessionType))
            .SelectMany(s => new[] { (User: s.Participant, Role: "participant", S: s), (User: s.Volunteer, Role: "volunteer", S: s) })
            .Where(p => f.Role is null || p.Role == f.Role);
        var members = new HashSet<Guid>();
        foreach (var g in parts.GroupBy(p => p.User))
        {
            var first = g.OrderBy(p => p.S.At).First().S;
            var month = first.At.ToString("yyyy-MM", System.Globalization.CultureInfo.InvariantCulture);
            if ((f.FirstSessionFrom is null || string.CompareOrdinal(month, f.FirstSessionFrom) >= 0)
                && (f.FirstSessionTo is null || string.CompareOrdinal(month, f.FirstSessionTo) <= 0)
                && (f.CefrAtStart is null || (first.Level is not null && f.CefrAtStart.Contains(first.Level)))
                && (f.Language is null || Scores.Any(s => s.User == g.Key && s.Company == company && s.Language == f.Language)))
            {
                members.Add(g.Key);
            }
        }

        return members;
    }

    /// <summary>The metric recomputed over the raw rows of <paramref name="members"/> for [<paramref name="lo"/>, <paramref name="hi"/>).</summary>
    public async Task<Recomputed> RecomputeAsync(Guid company, CohortFilters f, HashSet<Guid> members, string metric, DateTime lo, DateTime hi)
    {
        var args = new { company, type = f.SessionType, role = f.Role, members = members.ToArray(), metric, lo, hi };
        const string stats = """
            count(v)::int AS n, avg(v) AS avg, percentile_cont(0.5) WITHIN GROUP (ORDER BY v) AS p50,
            percentile_cont(0.75) WITHIN GROUP (ORDER BY v) AS p75, percentile_cont(0.95) WITHIN GROUP (ORDER BY v) AS p95,
            min(v) AS min, max(v) AS max, stddev_samp(v) AS stddev
            """;
        var sql = metric switch
        {
            CohortMetricNames.SessionHours => $"""
                SELECT {stats} FROM (
                  SELECT s.duration_minutes / 60.0::float8 AS v FROM impact.kintell_sessions s
                  WHERE s.company_id = @company AND s.completed_at >= @lo AND s.completed_at < @hi AND (@type::text IS NULL OR s.session_type = @type)
                    AND ((@role::text IS DISTINCT FROM 'volunteer' AND s.participant_id = ANY(@members))
                      OR (@role::text IS DISTINCT FROM 'participant' AND s.volunteer_id = ANY(@members)))) x
                """,
            CohortMetricNames.Rating => $"""
                SELECT {stats} FROM (
                  SELECT r.rating::float8 AS v FROM impact.kintell_ratings r JOIN impact.kintell_sessions s ON s.external_id = r.session_external_id
                  WHERE s.company_id = @company AND r.rated_at >= @lo AND r.rated_at < @hi AND (@type::text IS NULL OR s.session_type = @type)
                    AND (@role::text IS NULL OR r.from_role = @role) AND r.rater_id = ANY(@members)) x
                """,
            _ => $"""
                SELECT {stats} FROM (
                  SELECT o.score AS v FROM impact.outcome_scores o
                  WHERE o.company_id = @company AND o.dimension = @metric AND o.scored_at >= @lo AND o.scored_at < @hi AND o.user_id = ANY(@members)) x
                """,
        };
        return (await Rows.QueryAsync<Recomputed>(sql, args)).Single();
    }

    /// <summary>
    /// Refreshes until the cohorts cursor has passed every event written so far (the refresher reads only finished
    /// transactions older than the oldest one running anywhere in the cluster, so other tests' transactions may hold it back).
    /// </summary>
    public async Task<CohortRefreshPass> CatchUpAsync(CohortRefresher refresher, bool recompute = true)
    {
        var last = await Rows.ScalarAsync<long>("SELECT coalesce(max(id), 0) FROM impact.events");
        var total = CohortRefreshPass.Empty;
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            total = total.Add(recompute ? await refresher.RefreshAsync() : await refresher.CatchUpEventsAsync());
            var behind = await Rows.ScalarAsync<bool>(
                """
                SELECT EXISTS (SELECT 1 FROM impact.events e, impact.event_cursors c
                               WHERE c.name = 'cohorts' AND e.id <= @last AND (e.tx_id, e.id) > (c.last_tx_id, c.last_event_id))
                """, new { last });
            if (!behind)
            {
                return total;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The cohort refresher did not catch up with the events within 120 s.");
            }

            await Task.Delay(50);
        }
    }

    public static HttpRequest Request(string method, string path, string token, string? query = null, object? body = null) =>
        HttpInvoker.Request(method, path, body is null ? null : Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(body, Impact.Shared.JsonDefaults.Web)),
            body is null ? null : "application/json", new Dictionary<string, string> { ["Authorization"] = TestTokens.Bearer(token) }, query);

    public sealed record SessionRow(Guid Company, Guid Participant, Guid Volunteer, DateTimeOffset At, string Type, int Minutes, string? Level, string ExternalId);

    public sealed record ScoreRow(Guid Company, Guid User, string Dimension, DateTimeOffset At, string Language);

    public sealed record Recomputed(int n, double? avg, double? p50, double? p75, double? p95, double? min, double? max, double? stddev);
}
