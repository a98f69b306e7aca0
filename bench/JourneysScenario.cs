using System.Diagnostics;
using Dapper;
using Impact.Shared.Journeys;
using Impact.TestSupport;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Impact.Bench;

/// <summary>
/// Journeys after a burst: 10,000 participants (and the 1,000 volunteers of their sessions), 50,000 new events (30,000 sessions and 20,000 ratings, written as the
/// Kintell processor writes them, each with its event), the three default rules. The evaluator's pass over the burst
/// (read the events in commit-safe order, find the touched users, load their rows, interpret the rules, write flags,
/// history, milestones and events, advance the cursor) next to the bare queries the rules need: the same rows of the
/// same 11,000 users loaded in the same batches, nothing evaluated or written.
/// </summary>
public sealed class JourneysScenario : IScenario
{
    private const int Users = 10_000;
    private const int Sessions = 30_000;
    private const int Ratings = 20_000;
    private const int Rounds = 5;

    public string Name => "journeys";

    public async Task<string> RunAsync(string[] args)
    {
        await using var db = await TestDatabase.CreateAsync();
        var seed = Stopwatch.StartNew();
        await SeedAsync(db.DataSource);
        Console.WriteLine($"seeded {Users} users, {Sessions} sessions, {Ratings} ratings in {seed.Elapsed.TotalSeconds:F1} s");

        var loadBefore = Load();
        var options = new JourneyOptions();
        var rules = new JourneyRuleStore(db.DataSource, TimeProvider.System);
        var evaluator = new JourneyEvaluator(db.DataSource, rules, TimeProvider.System, Options.Create(options));
        const int smallBatch = 5_000;
        var smallEvaluator = new JourneyEvaluator(db.DataSource, rules, TimeProvider.System, Options.Create(new JourneyOptions { EventBatchSize = smallBatch }));
        await rules.EnsureDefaultsAsync();
        using var counter = new CommandCounter();
        // Every user the burst touches: the 10,000 participants and the 1,000 volunteers of their sessions.
        var users = await Query<Guid>(db.DataSource, "SELECT id FROM impact.users ORDER BY id");

        var bare = new List<double>();
        var pass = new List<double>();
        var small = new List<double>();
        var all = new List<double>();
        var sql = new List<double>();
        long bareCommands = 0, passCommands = 0, smallCommands = 0, allCommands = 0;
        var profile = new Dictionary<string, (long Count, double Ms)>();
        EvaluationPass last = new(0, 0, 0), lastSmall = new(0, 0, 0);
        for (var round = 0; round <= Rounds; round++)
        {
            await ResetAsync(db.DataSource);
            counter.Reset();
            var start = Stopwatch.GetTimestamp();
            await using (var conn = await db.DataSource.OpenConnectionAsync())
            {
                foreach (var batch in users.Chunk(options.UserBatchSize))
                {
                    await JourneyFacts.LoadAsync(conn, null, batch);
                }
            }

            var bareMs = Stats.Ms(Stopwatch.GetTimestamp() - start);
            var bareCount = counter.Count;
            counter.Reset();
            start = Stopwatch.GetTimestamp();
            last = await evaluator.RunToEndAsync();
            var passMs = Stats.Ms(Stopwatch.GetTimestamp() - start);
            // One COMMIT per pass (Npgsql traces no activity for it): a pass opens with the cursor statement.
            var passCount = counter.Count + Passes(counter);
            var passSql = counter.SqlMs;
            var passProfile = counter.Profile;

            await ResetAsync(db.DataSource);
            counter.Reset();
            start = Stopwatch.GetTimestamp();
            lastSmall = await smallEvaluator.RunToEndAsync();
            var smallMs = Stats.Ms(Stopwatch.GetTimestamp() - start);
            var smallCount = counter.Count + Passes(counter);

            await ResetAsync(db.DataSource);
            counter.Reset();
            start = Stopwatch.GetTimestamp();
            await evaluator.EvaluateAllAsync(null);
            var allMs = Stats.Ms(Stopwatch.GetTimestamp() - start);
            var allCount = counter.Count + (int)Math.Ceiling((double)users.Count / options.UserBatchSize);
            if (round > 0)
            {
                bare.Add(bareMs);
                pass.Add(passMs);
                small.Add(smallMs);
                all.Add(allMs);
                sql.Add(passSql);
                bareCommands += bareCount;
                passCommands += passCount;
                smallCommands += smallCount;
                allCommands += allCount;
                foreach (var (statement, n, ms) in passProfile)
                {
                    profile[statement] = profile.TryGetValue(statement, out var v) ? (v.Count + n, v.Ms + ms) : (n, ms);
                }
            }

            Console.WriteLine($"round {round}: bare {Stats.F(bareMs)} ms, evaluator {Stats.F(passMs)} ms ({last.Events} events, {last.Users} users, {last.Changes} changes, " +
                              $"{Stats.F(passSql)} ms in SQL), {smallBatch}-event passes {Stats.F(smallMs)} ms ({lastSmall.Users} evaluations), everyone {Stats.F(allMs)} ms");
        }

        bare.Sort();
        pass.Sort();
        small.Sort();
        all.Sort();
        sql.Sort();
        var bareP50 = Stats.Percentile(bare, 50);
        var passP50 = Stats.Percentile(pass, 50);
        var sqlP50 = Stats.Percentile(sql, 50);
        var flags = await Query<(string Flag, long N)>(db.DataSource, "SELECT flag, count(*) FROM impact.journey_flags GROUP BY flag ORDER BY flag");
        var loadAfter = Load();
        List<string> lines =
        [
            $"Machine load (1, 5, 15-minute load averages from /proc/loadavg) when the rounds began: {loadBefore}; when they ended: {loadAfter}. " +
            "Other sessions share the 2 cores, so the figures move with their work.",
            "",
            $"{Users:N0} participants and 1,000 volunteers of 10 companies, {Sessions:N0} sessions and {Ratings:N0} ratings written as the Kintell " +
            $"processor writes them (one event each: {Sessions + Ratings:N0} new events), the three default rules. {Rounds} rounds after one warm-up; " +
            "before each the flags, history, milestones and journey events are deleted and the cursor set back to the start.",
            "",
            "| what | users evaluated | p50 ms | min ms | max ms | SQL round trips | p50 vs bare |",
            "|---|---|---|---|---|---|---|",
            $"| bare queries the rules need (facts of every user the burst touches, {options.UserBatchSize:N0} per query; nothing evaluated or written) | {users.Count:N0} | {Stats.F(bareP50)} | {Stats.F(bare[0])} | {Stats.F(bare[^1])} | {(double)bareCommands / Rounds:F0} | 1.00× |",
            $"| **evaluator after the burst** (`RunToEndAsync`, defaults: `EventBatchSize` {options.EventBatchSize:N0}, so one pass) | {last.Users:N0} | **{Stats.F(passP50)}** | {Stats.F(pass[0])} | {Stats.F(pass[^1])} | {(double)passCommands / Rounds:F0} | {Stats.F(passP50 / bareP50)}× |",
            $"| the same with `EventBatchSize` {smallBatch:N0} (the former default: a user is evaluated again in every pass that touches them) | {lastSmall.Users:N0} | {Stats.F(Stats.Percentile(small, 50))} | {Stats.F(small[0])} | {Stats.F(small[^1])} | {(double)smallCommands / Rounds:F0} | {Stats.F(Stats.Percentile(small, 50) / bareP50)}× |",
            $"| every user evaluated now (`EvaluateAllAsync`, the daily pass; no events read; a transaction per {options.UserBatchSize:N0} users) | {users.Count:N0} | {Stats.F(Stats.Percentile(all, 50))} | {Stats.F(all[0])} | {Stats.F(all[^1])} | {(double)allCommands / Rounds:F0} | {Stats.F(Stats.Percentile(all, 50) / bareP50)}× |",
            "",
            $"Changes written per pass: {last.Changes:N0} (flags set: {string.Join(", ", flags.Select(f => $"{f.Flag} {f.N:N0}"))}; plus one milestone per mentor-ready user, " +
            "and a journey event for each flag change and milestone). Round trips = commands traced by Npgsql, plus one COMMIT per transaction " +
            "(a pass over the burst, a pass over the journey events it wrote, the final empty pass; for the daily pass one per user batch). Target: evaluation of 10,000 users under 1 s on 2 cores. PostgreSQL runs on the same 2 cores.",
            "",
            $"Where the evaluator's pass spends its time (mean of the {Rounds} rounds; SQL = from sending a command until its rows are read, " +
            $"Dapper's mapping included). Summed over commands, p50 {Stats.F(sqlP50)} ms of a {Stats.F(passP50)} ms pass: the facts batches are read on " +
            $"{options.FactLoaders} connections side by side (`Journeys__FactLoaders`), so their times overlap each other and the process's work " +
            "(interpreting the rules, building the facts, the COMMITs); the sum can exceed the pass.",
            "",
            "| statement | commands | ms |",
            "|---|---|---|",
            .. profile.OrderByDescending(p => p.Value.Ms).Select(p => $"| `{p.Key.Replace("|", "\\|")}` | {(double)p.Value.Count / Rounds:F0} | {Stats.F(p.Value.Ms / Rounds)} |"),
        ];
        return string.Join('\n', lines) + "\n";
    }

    private static async Task SeedAsync(NpgsqlDataSource db)
    {
        await using var conn = await db.OpenConnectionAsync();
        await conn.ExecuteAsync(
            """
            INSERT INTO impact.companies (name) SELECT 'Company ' || g FROM generate_series(1, 10) g;
            INSERT INTO impact.users (email, role, company_id)
            SELECT 'v' || g || '@example.org', 'volunteer', (SELECT id FROM impact.companies ORDER BY id OFFSET g % 10 LIMIT 1)
            FROM generate_series(1, 1000) g;
            INSERT INTO impact.users (email, role) SELECT 'p' || g || '@example.org', 'participant' FROM generate_series(1, @users) g;
            CREATE TEMP TABLE p AS SELECT id, row_number() OVER (ORDER BY id) AS n FROM impact.users WHERE role = 'participant';
            CREATE TEMP TABLE v AS SELECT id, company_id, row_number() OVER (ORDER BY id) AS n FROM impact.users WHERE role = 'volunteer';
            WITH s AS (
                INSERT INTO impact.kintell_sessions (external_id, session_type, participant_id, volunteer_id, company_id, completed_at, duration_minutes)
                SELECT 's' || g, CASE WHEN g % 4 = 0 THEN 'mentorship' ELSE 'language' END, p.id, v.id, v.company_id,
                       now() - (g % 30) * interval '1 day', 30 + g % 60
                FROM generate_series(1, @sessions) g
                JOIN p ON p.n = 1 + g % @users
                JOIN v ON v.n = 1 + g % 1000
                RETURNING id, external_id, session_type, participant_id, volunteer_id, company_id, completed_at, duration_minutes)
            INSERT INTO impact.events (company_id, type, data)
            SELECT company_id, 'kintell.session.completed',
                   jsonb_build_object('sessionId', id, 'externalId', external_id, 'sessionType', session_type, 'participantId', participant_id,
                                      'volunteerId', volunteer_id, 'completedAt', completed_at, 'durationMinutes', duration_minutes)
            FROM s;
            WITH r AS (
                INSERT INTO impact.kintell_ratings (external_id, session_external_id, rater_id, from_role, rating, rating_normalized, rated_at)
                SELECT 'r' || g, 's' || g, s.volunteer_id, 'volunteer', 1 + (g * 7) % 5, ((g * 7) % 5) / 4.0, now()
                FROM generate_series(1, @ratings) g
                JOIN impact.kintell_sessions s ON s.external_id = 's' || g
                RETURNING id, external_id, session_external_id, rater_id, rating)
            INSERT INTO impact.events (company_id, type, data)
            SELECT NULL, 'kintell.rating.created',
                   jsonb_build_object('ratingId', id, 'externalId', external_id, 'sessionExternalId', session_external_id, 'fromRole', 'volunteer',
                                      'raterId', rater_id, 'rating', rating)
            FROM r;
            ANALYZE;
            """, new { users = Users, sessions = Sessions, ratings = Ratings }, commandTimeout: 600);
    }

    private static async Task ResetAsync(NpgsqlDataSource db)
    {
        await using var conn = await db.OpenConnectionAsync();
        await conn.ExecuteAsync(
            """
            DELETE FROM impact.journey_flags;
            DELETE FROM impact.journey_flag_history;
            DELETE FROM impact.journey_milestones;
            DELETE FROM impact.events WHERE type LIKE 'journey.%';
            UPDATE impact.event_cursors SET last_tx_id = '0', last_event_id = 0 WHERE name = 'journeys';
            """, commandTimeout: 300);
    }

    private static int Passes(CommandCounter counter) =>
        (int)counter.Profile.Where(p => p.Statement.StartsWith("INSERT INTO impact.event_cursors", StringComparison.Ordinal)).Sum(p => p.Count);

    private static string Load() =>
        File.Exists("/proc/loadavg") ? string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "unknown";

    private static async Task<List<T>> Query<T>(NpgsqlDataSource db, string sql)
    {
        await using var conn = await db.OpenConnectionAsync();
        return (await conn.QueryAsync<T>(sql)).AsList();
    }
}
