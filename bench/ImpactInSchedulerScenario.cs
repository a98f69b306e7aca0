using System.Diagnostics;
using Dapper;
using Impact.Shared.ImpactIn;
using Impact.TestSupport;
using Npgsql;

namespace Impact.Bench;

/// <summary>
/// One Impact-In scheduler tick over 100,000 schedules of which 1% are due: the claim, delivery
/// inserts and next_run updates (<see cref="DeliveryStore.ClaimDueAsync"/>), against two baselines
/// measured in the same run — the bare claim query alone, and a naive tick that writes row by row.
/// Round trips are counted from Npgsql's own command tracing, plus one COMMIT per transaction
/// (Npgsql does not trace COMMIT; BEGIN rides on the first command).
/// </summary>
public sealed class ImpactInSchedulerScenario : IScenario
{
    private const int Schedules = 100_000;
    private const int Due = Schedules / 100;
    private const int Rounds = 5;

    public string Name => "impact-in-scheduler";

    public async Task<string> RunAsync(string[] args)
    {
        var loadBefore = LoadAverage();
        await using var db = await TestDatabase.CreateAsync();
        var now = DateTimeOffset.UtcNow;
        var seed = Stopwatch.StartNew();
        var dueIds = await SeedAsync(db.DataSource, now);
        seed.Stop();
        Console.WriteLine($"seeded {Schedules} schedules ({dueIds.Length} due) in {seed.Elapsed.TotalSeconds:F1} s");

        var store = new DeliveryStore(db.DataSource, TimeProvider.System);
        using var counter = new CommandCounter();
        var results = new List<(string Name, List<double> Ms, double RoundTrips, double Claimed, Dictionary<string, (long Count, double Ms)> Profile)>();

        results.Add(await MeasureAsync("bare claim query (baseline)", db.DataSource, dueIds, now, counter, commits: 1, async () =>
        {
            await using var conn = await db.DataSource.OpenConnectionAsync();
            await using var tx = await conn.BeginTransactionAsync();
            var n = (await conn.QueryAsync<Guid>(
                """
                SELECT id FROM impact.scheduled_deliveries
                WHERE active AND next_run <= @now
                ORDER BY next_run
                LIMIT @batchSize
                FOR UPDATE SKIP LOCKED
                """, new { now = DateTime.UtcNow, batchSize = 2_000 }, tx)).Count();
            await tx.CommitAsync();
            return n;
        }));

        results.Add(await MeasureAsync("scheduler tick (ClaimDueAsync)", db.DataSource, dueIds, now, counter, commits: 1, async () =>
            (await store.ClaimDueAsync(2_000, TimeSpan.FromMinutes(2))).Created.Count));

        results.Add(await MeasureAsync("naive tick, row by row (comparison)", db.DataSource, dueIds, now, counter, commits: 1, async () =>
        {
            await using var conn = await db.DataSource.OpenConnectionAsync();
            await using var tx = await conn.BeginTransactionAsync();
            var due = (await conn.QueryAsync<(Guid Id, Guid CompanyId, string Platform, string TimeZone, DateTime NextRun)>(
                """
                SELECT id, company_id, platform, time_zone, next_run FROM impact.scheduled_deliveries
                WHERE active AND next_run <= @now ORDER BY next_run LIMIT 2000 FOR UPDATE SKIP LOCKED
                """, new { now = DateTime.UtcNow }, tx)).AsList();
            foreach (var s in due)
            {
                var zone = ScheduleSpec.FindZone(s.TimeZone)!;
                var period = ReportingPeriod.Previous(new DateTimeOffset(s.NextRun, TimeSpan.Zero), zone, PeriodKind.Month);
                var key = DeliveryKeys.For(s.CompanyId, s.Platform, period);
                await conn.ExecuteAsync(
                    """
                    INSERT INTO impact.impact_deliveries (id, schedule_id, company_id, platform, period_kind, period_start, period_end,
                        time_zone, scheduled_for, instance_id, idempotency_key)
                    VALUES (@id, @scheduleId, @companyId, @platform, 'month', @start::date, @end::date, @zone, @runAt, @key, @key)
                    ON CONFLICT DO NOTHING
                    """,
                    new
                    {
                        id = Guid.CreateVersion7(), scheduleId = s.Id, companyId = s.CompanyId, platform = s.Platform,
                        start = period.Start.ToDateTime(TimeOnly.MinValue), end = period.End.ToDateTime(TimeOnly.MinValue),
                        zone = s.TimeZone, runAt = s.NextRun, key,
                    }, tx);
                await conn.ExecuteAsync("UPDATE impact.scheduled_deliveries SET next_run = @next, last_run = next_run WHERE id = @id",
                    new { id = s.Id, next = ScheduleSpec.NextRun(ScheduleSpec.MonthlyCron, zone, DateTimeOffset.UtcNow).UtcDateTime }, tx);
            }

            await tx.CommitAsync();
            return due.Count;
        }));

        var baseline = Stats.Percentile(results[0].Ms, 50);
        var lines = new List<string>
        {
            $"{Schedules:N0} active schedules (monthly, time zones UTC / Europe/Oslo / America/New_York), {Due:N0} due per tick. " +
            $"Each row: {Rounds} ticks after one warm-up; before each tick the due schedules are made due again and the deliveries deleted.",
            "",
            "| what | schedules claimed per tick | p50 ms | min ms | max ms | SQL round trips per tick | p50 vs bare claim |",
            "|---|---|---|---|---|---|---|",
        };
        foreach (var (name, ms, roundTrips, claimed, _) in results)
        {
            lines.Add($"| {name} | {claimed:F0} | {Stats.F(Stats.Percentile(ms, 50))} | {Stats.F(ms[0])} | {Stats.F(ms[^1])} | {roundTrips:F0} | " +
                      $"{Stats.F(Stats.Percentile(ms, 50) / baseline)}× |");
        }

        lines.Add("");
        lines.Add($"Profile of the tick (ClaimDueAsync): client-side time per statement (sent to last row read), mean over the {Rounds} ticks; " +
                  "the rest of the tick is opening the connection, COMMIT and C# (periods, next runs, parameters).");
        lines.Add("");
        lines.Add("| statement (first words) | per tick | mean ms per tick |");
        lines.Add("|---|---:|---:|");
        foreach (var (statement, (n, total)) in results[1].Profile.OrderByDescending(p => p.Value.Ms))
        {
            lines.Add($"| `{statement.Replace("|", "\\|", StringComparison.Ordinal)}` | {(double)n / Rounds:F0} | {Stats.F(total / Rounds)} |");
        }

        lines.Add("");
        lines.Add("Round trips = commands traced by Npgsql + one COMMIT per transaction. The tick's four: the claim " +
                  "(`FOR UPDATE SKIP LOCKED`), one statement that inserts every delivery and advances every `next_run` " +
                  "(`unnest` arrays, data-modifying CTE), COMMIT, and the sweep for deliveries whose orchestration start was lost. " +
                  "It does not include starting the 1,000 durable orchestrations, which goes to the task hub, not PostgreSQL. " +
                  "PostgreSQL ran on the same 2 cores, shared with other builds and tests while this was measured: read the " +
                  "ratios and round trips more than the absolute times, and min as the least disturbed tick.");
        lines.Add("");
        lines.Add($"Load average (1/5/15 min) was {loadBefore} before and {LoadAverage()} after the run on {Environment.ProcessorCount} cores.");
        return string.Join('\n', lines) + "\n";
    }

    private static async Task<(string, List<double>, double, double, Dictionary<string, (long Count, double Ms)>)> MeasureAsync(string name, NpgsqlDataSource db, Guid[] dueIds, DateTimeOffset now,
        CommandCounter counter, int commits, Func<Task<int>> tick)
    {
        var ms = new List<double>();
        long commands = 0;
        var claimed = 0;
        var profile = new Dictionary<string, (long Count, double Ms)>();
        for (var round = 0; round <= Rounds; round++)
        {
            await ResetAsync(db, dueIds, now);
            counter.Reset();
            var start = Stopwatch.GetTimestamp();
            claimed = await tick();
            var elapsed = Stats.Ms(Stopwatch.GetTimestamp() - start);
            if (round > 0)
            {
                ms.Add(elapsed);
                commands += counter.Count;
                foreach (var (statement, n, total) in counter.Profile)
                {
                    profile[statement] = profile.TryGetValue(statement, out var p) ? (p.Count + n, p.Ms + total) : (n, total);
                }
            }
        }

        ms.Sort();
        Console.WriteLine($"{name}: p50 {Stats.F(Stats.Percentile(ms, 50))} ms, claimed {claimed}");
        return (name, ms, (double)commands / Rounds + commits, claimed, profile);
    }

    private static async Task<Guid[]> SeedAsync(NpgsqlDataSource db, DateTimeOffset now)
    {
        await using var conn = await db.OpenConnectionAsync();
        await conn.ExecuteAsync(
            """
            INSERT INTO impact.companies (name) SELECT 'Company ' || g FROM generate_series(1, @companies) g;
            INSERT INTO impact.scheduled_deliveries (company_id, platform, schedule, cron_expression, period_kind, time_zone, next_run)
            SELECT c.id, p.platform, 'monthly', '0 0 1 * *', 'month',
                   (ARRAY['UTC', 'Europe/Oslo', 'America/New_York'])[1 + c.n % 3],
                   @future::timestamptz + (c.n % 50) * interval '1 hour'
            FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM impact.companies) c
            CROSS JOIN (VALUES ('benevity'), ('goodera'), ('workday')) AS p(platform)
            ORDER BY c.n, p.platform
            LIMIT @schedules;
            ANALYZE impact.companies;
            """, new { companies = Schedules / 3 + 1, schedules = Schedules, future = now.AddDays(3).UtcDateTime }, commandTimeout: 300);
        var due = (await conn.QueryAsync<Guid>(
            "SELECT id FROM impact.scheduled_deliveries ORDER BY id LIMIT @due", new { due = Due })).ToArray();
        await conn.ExecuteAsync("VACUUM ANALYZE impact.scheduled_deliveries");
        return due;
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    private static async Task ResetAsync(NpgsqlDataSource db, Guid[] dueIds, DateTimeOffset now)
    {
        await using var conn = await db.OpenConnectionAsync();
        await conn.ExecuteAsync(
            """
            DELETE FROM impact.impact_deliveries;
            UPDATE impact.scheduled_deliveries SET next_run = @due WHERE id = ANY(@ids);
            """, new { ids = dueIds, due = now.AddMinutes(-1).UtcDateTime });
    }
}
