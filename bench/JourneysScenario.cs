using System.Diagnostics;
using Dapper;
using Impact.Shared.Journeys;
using Impact.TestSupport;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Impact.Bench;

/// <summary>
/// Journeys after a burst: 10,000 participants, 50,000 new events (30,000 sessions and 20,000 ratings, written as the
/// Kintell processor writes them, each with its event), the three default rules. The evaluator's pass over the burst
/// (read the events in commit-safe order, find the touched users, load their rows, interpret the rules, write flags,
/// history, milestones and events, advance the cursor) next to the bare queries the rules need: the same rows of the
/// same 10,000 users loaded in the same batches, nothing evaluated or written.
/// </summary>
public sealed class JourneysScenario : IScenario
{
    private const int Users = 10_000;
    private const int Sessions = 30_000;
    private const int Ratings = 20_000;
    private const int Rounds = 3;

    public string Name => "journeys";

    public async Task<string> RunAsync(string[] args)
    {
        await using var db = await TestDatabase.CreateAsync();
        var seed = Stopwatch.StartNew();
        await SeedAsync(db.DataSource);
        Console.WriteLine($"seeded {Users} users, {Sessions} sessions, {Ratings} ratings in {seed.Elapsed.TotalSeconds:F1} s");

        var options = new JourneyOptions();
        var rules = new JourneyRuleStore(db.DataSource, TimeProvider.System);
        var evaluator = new JourneyEvaluator(db.DataSource, rules, TimeProvider.System, Options.Create(options));
        await rules.EnsureDefaultsAsync();
        using var counter = new CommandCounter();
        var users = await Query<Guid>(db.DataSource, "SELECT id FROM impact.users WHERE role = 'participant' ORDER BY id");

        var bare = new List<double>();
        var pass = new List<double>();
        var wide = new List<double>();
        var all = new List<double>();
        long bareCommands = 0, passCommands = 0, wideCommands = 0, allCommands = 0;
        EvaluationPass last = new(0, 0, 0), lastWide = new(0, 0, 0);
        var wideEvaluator = new JourneyEvaluator(db.DataSource, rules, TimeProvider.System, Options.Create(new JourneyOptions { EventBatchSize = 60_000 }));
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
            var passCount = counter.Count;

            await ResetAsync(db.DataSource);
            counter.Reset();
            start = Stopwatch.GetTimestamp();
            lastWide = await wideEvaluator.RunToEndAsync();
            var wideMs = Stats.Ms(Stopwatch.GetTimestamp() - start);
            var wideCount = counter.Count;

            await ResetAsync(db.DataSource);
            counter.Reset();
            start = Stopwatch.GetTimestamp();
            await evaluator.EvaluateAllAsync(null);
            var allMs = Stats.Ms(Stopwatch.GetTimestamp() - start);
            var allCount = counter.Count;
            if (round > 0)
            {
                bare.Add(bareMs);
                pass.Add(passMs);
                wide.Add(wideMs);
                all.Add(allMs);
                bareCommands += bareCount;
                passCommands += passCount;
                wideCommands += wideCount;
                allCommands += allCount;
            }

            Console.WriteLine($"round {round}: bare {Stats.F(bareMs)} ms, evaluator {Stats.F(passMs)} ms ({last.Events} events, {last.Users} users, {last.Changes} changes), " +
                              $"one-transaction pass {Stats.F(wideMs)} ms ({lastWide.Users} users), everyone {Stats.F(allMs)} ms");
        }

        bare.Sort();
        pass.Sort();
        wide.Sort();
        all.Sort();
        var flags = await Query<(string Flag, long N)>(db.DataSource, "SELECT flag, count(*) FROM impact.journey_flags GROUP BY flag ORDER BY flag");
        var lines = new List<string>
        {
            $"{Users:N0} participants of 10 companies, {Sessions:N0} sessions and {Ratings:N0} ratings written as the Kintell processor writes them " +
            $"(one event each: {Sessions + Ratings:N0} new events), the three default rules. {Rounds} rounds after one warm-up; before each the flags, " +
            "history, milestones and journey events are deleted and the cursor set back to the start.",
            "",
            "| what | users | p50 ms | min ms | max ms | SQL round trips | p50 vs bare |",
            "|---|---|---|---|---|---|---|",
            $"| bare queries the rules need (facts of every user, {options.UserBatchSize:N0} per query) | {users.Count:N0} | {Stats.F(Stats.Percentile(bare, 50))} | {Stats.F(bare[0])} | {Stats.F(bare[^1])} | {(double)bareCommands / Rounds:F0} | 1.00× |",
            $"| evaluator pass over the burst (`RunToEndAsync`) | {last.Users:N0} | {Stats.F(Stats.Percentile(pass, 50))} | {Stats.F(pass[0])} | {Stats.F(pass[^1])} | {(double)passCommands / Rounds + Math.Ceiling((double)(Sessions + Ratings) / options.EventBatchSize) + 1:F0} | {Stats.F(Stats.Percentile(pass, 50) / Stats.Percentile(bare, 50))}× |",
            $"| the same burst in one pass (`EventBatchSize` 60,000: each user evaluated once) | {lastWide.Users:N0} | {Stats.F(Stats.Percentile(wide, 50))} | {Stats.F(wide[0])} | {Stats.F(wide[^1])} | {(double)wideCommands / Rounds + 2:F0} | {Stats.F(Stats.Percentile(wide, 50) / Stats.Percentile(bare, 50))}× |",
            $"| every user evaluated now (`EvaluateAllAsync`, the daily pass; no events read) | 11,000 | {Stats.F(Stats.Percentile(all, 50))} | {Stats.F(all[0])} | {Stats.F(all[^1])} | {(double)allCommands / Rounds + 6:F0} | {Stats.F(Stats.Percentile(all, 50) / Stats.Percentile(bare, 50))}× |",
            "",
            $"Changes written per pass: {last.Changes:N0} (flags set: {string.Join(", ", flags.Select(f => $"{f.Flag} {f.N:N0}"))}; plus one milestone per mentor-ready user). " +
            "Round trips = commands traced by Npgsql, plus one COMMIT per transaction for the evaluator (one transaction per " +
            $"{options.EventBatchSize:N0} events, and the final empty pass). Target: evaluation of 10,000 users under 1 s on 2 cores. " +
            "PostgreSQL runs on the same 2 cores.",
        };
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

    private static async Task<List<T>> Query<T>(NpgsqlDataSource db, string sql)
    {
        await using var conn = await db.OpenConnectionAsync();
        return (await conn.QueryAsync<T>(sql)).AsList();
    }
}
