using System.Diagnostics;
using System.Globalization;
using System.Text;
using Dapper;
using Impact.Ingest;
using Impact.Ingest.Cohorts;
using Impact.Ingest.Http;
using Impact.Shared.Cohorts;
using Impact.TestSupport;
using Impact.TestSupport.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Impact.Bench;

/// <summary>
/// Cohort analytics at scale (arguments: sessions, cohorts; default 1,000,000 and 1,000): as many sessions and outcome
/// scores (plus ratings for 30 % of sessions), 50 cohorts per company with mixed filters. Measures the full
/// recomputation (every cohort rebuilt: members, every period), then API p50/p95 of metrics (12 months), trends (12
/// months) and compare (10 cohorts) through the access step and the function, next to the bare indexed read of the same
/// precomputed rows; then the refresh after 10,000 new sessions (with their events) next to the full recomputation.
/// </summary>
public sealed class CohortsScenario : IScenario
{
    private const int CohortsPerCompany = 50;
    private const int Calls = 600;
    private const int Callers = 4;

    public string Name => "cohorts";

    public async Task<string> RunAsync(string[] args)
    {
        var sessions = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
        var cohortCount = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 1_000;
        var companies = Math.Max(1, cohortCount / CohortsPerCompany);
        await using var db = await TestDatabase.CreateAsync();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Test" });
        builder.Configuration.AddConfiguration(TestStorage.Configuration(db.ConnectionString));
        builder.AddFunctionsAppServices();
        using var host = builder.Build();
        await host.StartAsync();

        var seed = Stopwatch.StartNew();
        await SeedAsync(db.DataSource, sessions, companies, cohortCount);
        var seedSeconds = seed.Elapsed.TotalSeconds;
        Console.WriteLine($"seeded {sessions} sessions/scores, {cohortCount} cohorts in {seedSeconds:F1} s");

        var refresher = host.Services.GetRequiredService<CohortRefresher>();
        await refresher.CatchUpEventsAsync();
        var full = Stopwatch.StartNew();
        var fullPass = await refresher.RebuildAllAsync();
        var fullSeconds = full.Elapsed.TotalSeconds;
        Console.WriteLine($"full recomputation: {fullPass.Recomputed.Count} rows, {fullPass.MembershipChanges} members in {fullSeconds:F1} s");

        var rows = await Scalar<long>(db.DataSource, "SELECT count(*) FROM impact.cohort_metrics");
        var cohorts = (await db.DataSource.OpenConnection().QueryAsync<(Guid Id, Guid CompanyId)>(
            "SELECT id, company_id FROM impact.cohorts ORDER BY id")).ToList();
        var analytics = ActivatorUtilities.CreateInstance<CohortAnalytics>(host.Services);
        var access = host.Services.GetRequiredService<ApiAccess>();
        var tokens = cohorts.Select(c => c.CompanyId).Distinct().ToDictionary(c => c, c => TestTokens.Bearer(TestTokens.Admin(c)));
        var now = CohortPeriod.Of(CohortPeriod.Month, DateTimeOffset.UtcNow);
        var from = now;
        for (var i = 0; i < 11; i++)
        {
            from = from.Previous;
        }

        Func<int, Task> Api(string method, string path, Func<int, string> query, Func<int, object?> body, Func<HttpRequest, int, Task<IActionResult>> call) => async i =>
        {
            var c = cohorts[i % cohorts.Count];
            var bytes = body(i) is { } b ? Encoding.UTF8.GetBytes(System.Text.Json.JsonSerializer.Serialize(b, Impact.Shared.JsonDefaults.Web)) : null;
            var request = HttpInvoker.Request(method, path.Replace("{id}", c.Id.ToString(), StringComparison.Ordinal), bytes, bytes is null ? null : "application/json",
                new Dictionary<string, string> { ["Authorization"] = tokens[c.CompanyId] }, query(i));
            var policy = FunctionPolicies.Match(method, path.Replace("{id}", c.Id.ToString(), StringComparison.Ordinal)[4..]);
            var response = await HttpInvoker.InvokeAsync(request, async r =>
            {
                await access.AuthorizeAsync(r.HttpContext, policy);
                return await call(r, i);
            });
            if (response.Status != 200)
            {
                throw new InvalidOperationException($"{method} {path} answered {response.Status}: {response.Body}");
            }
        };

        List<Guid> Group(int i)
        {
            var company = cohorts[i % cohorts.Count].CompanyId;
            return cohorts.Where(c => c.CompanyId == company).Skip(i % 5).Take(10).Select(c => c.Id).ToList();
        }

        var paths = new (string Name, Func<int, Task> Call)[]
        {
            ("API `GET /v1/cohorts/{id}/metrics` (12 months)", Api("GET", "/v1/cohorts/{id}/metrics", _ => $"metric=session_hours&from={from.Label}&to={now.Label}", _ => null,
                (r, i) => analytics.GetCohortMetrics(r, cohorts[i % cohorts.Count].Id.ToString(), CancellationToken.None))),
            ("bare read of the same 12 rows (Dapper, indexed)", async i =>
            {
                await using var conn = await db.DataSource.OpenConnectionAsync();
                await conn.QueryAsync("""
                    SELECT * FROM impact.cohort_metrics WHERE cohort_id = @id AND metric = 'session_hours' AND period_kind = 'month'
                      AND period_start BETWEEN @from::date AND @to::date ORDER BY period_start
                    """, new { id = cohorts[i % cohorts.Count].Id, from = from.Start.ToDateTime(TimeOnly.MinValue), to = now.Start.ToDateTime(TimeOnly.MinValue) });
            }),
            ("API `GET /v1/cohorts/{id}/trends` (12 months)", Api("GET", "/v1/cohorts/{id}/trends", _ => "metric=confidence&periods=12", _ => null,
                (r, i) => analytics.GetCohortTrends(r, cohorts[i % cohorts.Count].Id.ToString(), CancellationToken.None))),
            ("API `POST /v1/cohorts/compare` (10 cohorts, a quarter)", Api("POST", "/v1/cohorts/compare", _ => "", i => new { cohortIds = Group(i), metric = "rating", period = now.Previous.Label },
                (r, _) => analytics.CompareCohorts(r, CancellationToken.None))),
            ("bare read of 10 cohorts' rows for one period", async i =>
            {
                await using var conn = await db.DataSource.OpenConnectionAsync();
                await conn.QueryAsync("""
                    SELECT * FROM impact.cohort_metrics WHERE cohort_id = ANY(@ids) AND metric = 'rating' AND period_kind = 'month' AND period_start = @start::date
                    """, new { ids = Group(i).ToArray(), start = now.Previous.Start.ToDateTime(TimeOnly.MinValue) });
            }),
        };

        var table = new StringBuilder("| path | p50 ms | p95 ms | p99 ms | calls/s |\n|---|---|---|---|---|\n");
        foreach (var (name, call) in paths)
        {
            await Stats.RunConcurrentAsync(Callers, 100, call);
            var (lat, sec) = await Stats.RunConcurrentAsync(Callers, Calls, call);
            table.Append(CultureInfo.InvariantCulture, $"| {name} | {Stats.F(Stats.Percentile(lat, 50))} | {Stats.F(Stats.Percentile(lat, 95))} | {Stats.F(Stats.Percentile(lat, 99))} | {Stats.F(Calls / sec, 0)} |\n");
            Console.WriteLine(name + " done");
        }

        // Printed now: the refresh below may fail (it hit the 30 s command timeout at 1,000,000 sessions) and take the table with it.
        Console.WriteLine(table);

        // 10,000 new sessions of existing people, in the last three months, each with its event, then one refresh.
        await using (var conn = await db.DataSource.OpenConnectionAsync())
        {
            await conn.ExecuteAsync("""
                WITH s AS (
                    INSERT INTO impact.kintell_sessions (external_id, session_type, participant_id, volunteer_id, company_id, completed_at, duration_minutes, language_level)
                    SELECT 'new-' || i, s.session_type, s.participant_id, s.volunteer_id, s.company_id,
                           date_trunc('month', now()) - interval '2 months' + (i % 80) * interval '1 day', 15 + (i * 7) % 106, s.language_level
                    FROM generate_series(1, 10000) AS i
                    JOIN LATERAL (SELECT * FROM impact.kintell_sessions WHERE external_id = 'b-' || (i * 97 % @sessions + 1)) s ON true
                    RETURNING id, external_id, company_id, participant_id, volunteer_id, completed_at, duration_minutes
                )
                INSERT INTO impact.events (company_id, type, data)
                SELECT company_id, 'kintell.session.completed',
                       jsonb_build_object('sessionId', id, 'externalId', external_id, 'participantId', participant_id, 'volunteerId', volunteer_id,
                                          'completedAt', completed_at, 'durationMinutes', duration_minutes)
                FROM s
                """, new { sessions }, commandTimeout: 600);
        }

        var inc = Stopwatch.StartNew();
        var incPass = await refresher.RefreshAsync();
        var incSeconds = inc.Elapsed.TotalSeconds;
        await host.StopAsync();

        return $"""
            {sessions:N0} sessions (and as many outcome scores, 30 % of sessions rated), {companies} companies, {cohortCount:N0} cohorts
            ({CohortsPerCompany} per company, mixed filters); seeded with SQL (`generate_series`) in {Stats.F(seedSeconds, 1)} s. {rows:N0} precomputed
            cohort × metric × period rows after the full recomputation. API calls go through the access step (bearer token of the cohort's
            company, `ApiAccess`) and the function into a `DefaultHttpContext`, {Callers} concurrent callers, {Calls} calls per path after 100 warm-up calls.

            ## Reads (precomputed rows)

            {table}
            ## Refresh

            | what | rows recomputed | membership changes | seconds |
            |---|---|---|---|
            | full recomputation (every cohort rebuilt: members, every period) | {fullPass.Recomputed.Count:N0} | {fullPass.MembershipChanges:N0} | {Stats.F(fullSeconds, 1)} |
            | refresh after 10,000 new sessions (events → dirty periods → recompute) | {incPass.Recomputed.Count:N0} | {incPass.MembershipChanges:N0} | {Stats.F(incSeconds, 1)} |

            The refresh after the new rows takes {Stats.F(incSeconds / fullSeconds * 100, 1)} % of the full recomputation.
            """;
    }

    private static async Task SeedAsync(NpgsqlDataSource db, int sessions, int companies, int cohorts)
    {
        await using var conn = await db.OpenConnectionAsync();
        var participants = Math.Max(100, sessions / 20);
        var volunteers = Math.Max(20, sessions / 200);
        await conn.ExecuteAsync("""
            INSERT INTO impact.companies (name, email_domain) SELECT 'Company ' || c, 'c' || c || '.example' FROM generate_series(0, @companies - 1) c;
            CREATE TEMP TABLE bc AS SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM impact.companies;
            INSERT INTO impact.users (email, role) SELECT 'p' || i || '@example.org', 'participant' FROM generate_series(0, @participants - 1) i;
            INSERT INTO impact.users (email, role, company_id)
            SELECT 'v' || i || '@c' || (i % @companies) || '.example', 'volunteer', (SELECT id FROM bc WHERE k = i % @companies) FROM generate_series(0, @volunteers - 1) i;
            CREATE TEMP TABLE bp AS SELECT id, (substring(email from 2 for position('@' in email) - 2))::int AS i FROM impact.users WHERE role = 'participant';
            CREATE TEMP TABLE bv AS SELECT id, (substring(email from 2 for position('@' in email) - 2))::int AS i FROM impact.users WHERE role = 'volunteer';
            CREATE INDEX ON bp (i); CREATE INDEX ON bv (i);
            -- Participant p belongs to company p % companies; each session pairs a participant with a volunteer of that company.
            INSERT INTO impact.kintell_sessions (external_id, session_type, participant_id, volunteer_id, company_id, completed_at, duration_minutes, language_level, source)
            SELECT 'b-' || s, CASE WHEN s % 3 = 0 THEN 'mentorship' ELSE 'language' END, p.id, v.id, c.id,
                   date_trunc('month', now()) - interval '23 months' + ((s::bigint * 7919) % (700 * 24 * 60)) * interval '1 minute',
                   15 + (s * 31) % 106, (ARRAY['A1','A2','B1','B2','C1','C2'])[1 + (s * 13) % 6], 'backfill'
            FROM generate_series(1, @sessions) s
            JOIN bp p ON p.i = (s * 7) % @participants
            JOIN bc c ON c.k = p.i % @companies
            JOIN bv v ON v.i = (((s * 11) % (@volunteers / @companies)) * @companies + c.k) % @volunteers;
            INSERT INTO impact.kintell_ratings (external_id, session_external_id, rater_id, from_role, rating, rating_normalized, rated_at)
            SELECT 'r-' || s.external_id, s.external_id, s.participant_id, 'participant', 1 + (abs(hashtext(s.external_id)) % 5),
                   (abs(hashtext(s.external_id)) % 5) / 4.0, s.completed_at + interval '1 hour'
            FROM impact.kintell_sessions s WHERE abs(hashtext(s.external_id)) % 10 < 3;
            INSERT INTO impact.texts (source, content_id, content_type, company_id, user_id, text, status, language)
            SELECT 'api', 't-' || s.external_id, 'feedback_text', s.company_id, s.participant_id, 'feedback', 'classified',
                   (ARRAY['en','uk','no'])[1 + abs(hashtext(s.external_id)) % 3]
            FROM impact.kintell_sessions s WHERE abs(hashtext(s.external_id || 't')) % 5 = 0;
            INSERT INTO impact.outcome_scores (text_id, user_id, company_id, dimension, score, model_id, provider, prompt_version, language, method, scored_at)
            SELECT t.id, t.user_id, t.company_id, d, round(((abs(hashtext(t.content_id || d)) % 1000) / 1000.0)::numeric, 3)::float8,
                   'bench', 'embedded', 'v1', t.language, 'embedded', t.received_at - ((abs(hashtext(t.content_id)) % 600) * interval '1 day')
            FROM impact.texts t CROSS JOIN unnest(ARRAY['confidence','belonging','lang_level_proxy','job_readiness','well_being']) AS d;
            -- 50 cohorts per company: session type × role × CEFR at start × first-session half-year × language.
            INSERT INTO impact.cohorts (company_id, name, session_type, role, cefr_at_start, first_session_from, first_session_to, language)
            SELECT c.id, 'cohort ' || c.k || '-' || j,
                   (ARRAY[NULL, 'language', 'mentorship'])[1 + j % 3], (ARRAY[NULL, 'participant', 'volunteer'])[1 + (j / 3) % 3],
                   CASE WHEN j % 5 = 1 THEN ARRAY['A1', 'A2'] WHEN j % 5 = 2 THEN ARRAY['B1', 'B2'] END,
                   CASE WHEN j % 4 = 1 THEN (date_trunc('month', now()) - interval '23 months' + (j % 4) * interval '6 months')::date END,
                   CASE WHEN j % 4 = 1 THEN (date_trunc('month', now()) - interval '18 months' + (j % 4) * interval '6 months')::date END,
                   CASE WHEN j % 7 = 3 THEN 'uk' END
            FROM bc c CROSS JOIN generate_series(0, @per - 1) j
            WHERE c.k * @per + j < @cohorts;
            ANALYZE;
            """, new { companies, participants, volunteers, sessions, cohorts, per = CohortsPerCompany }, commandTimeout: 3600);
    }

    private static async Task<T> Scalar<T>(NpgsqlDataSource db, string sql)
    {
        await using var conn = await db.OpenConnectionAsync();
        return (await conn.ExecuteScalarAsync<T>(sql))!;
    }
}
