using System.Globalization;
using System.Text.Json;
using Impact.Ingest.Cohorts;
using Impact.Shared.Cohorts;
using Impact.Shared.Feedback;
using Impact.TestSupport.Security;
using Xunit.Abstractions;

namespace Impact.Ingest.Tests.Cohorts;

/// <summary>
/// Cohort metrics over real PostgreSQL: every number the API answers against a recomputation over the raw rows, only
/// the changed periods recomputed, readers during a refresh served the previous complete rows.
/// </summary>
public sealed class CohortMetricsTests(ITestOutputHelper output)
{
    private static readonly DateTimeOffset Jan = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    private static readonly CohortFilters[] Definitions =
    [
        new(),
        new(SessionType: "language", Role: "participant"),
        new(FirstSessionFrom: "2026-01", FirstSessionTo: "2026-02", CefrAtStart: ["A1", "A2"]),
        new(Language: "uk"),
        new(SessionType: "mentorship", Role: "volunteer"),
    ];

    [Fact]
    public async Task EveryNumberTheApiAnswersEqualsPercentileContOverTheRawRows()
    {
        var seed = Environment.TickCount;
        output.WriteLine($"seed {seed}");
        var random = new Random(seed);
        await using var app = await TestApp.StartAsync();
        var data = new CohortData(app.Database.DataSource);
        var a = await data.Rows.CompanyAsync("A");
        var b = await data.Rows.CompanyAsync("B");
        var admin = TestTokens.Admin(a);
        var participants = new List<Guid>();
        var volunteers = new List<Guid>();
        for (var i = 0; i < 24; i++)
        {
            participants.Add(await data.Rows.UserAsync("participant", null));
        }

        for (var i = 0; i < 8; i++)
        {
            volunteers.Add(await data.Rows.UserAsync("volunteer", i < 6 ? a : b));
        }

        string[] levels = ["A1", "A2", "B1", "B2"];
        string[] languages = ["en", "uk", "no"];
        for (var i = 0; i < 160; i++)
        {
            // Company B's sessions (same people) must never count for A's cohorts.
            var company = i % 8 == 7 ? b : a;
            var at = Jan.AddMinutes(random.Next(0, 181 * 24 * 60)).AddSeconds(i);
            var session = await data.SessionAsync(company, participants[random.Next(participants.Count)], volunteers[random.Next(company == a ? 6 : 8)], at,
                random.Next(3) == 0 ? "mentorship" : "language", 15 + random.Next(12) * 5 + random.Next(2), levels[random.Next(levels.Length)]);
            if (random.Next(10) < 7)
            {
                await data.RatingAsync(session, "participant", 1 + random.Next(5), at.AddHours(random.Next(1, 72)));
            }

            if (random.Next(10) < 3)
            {
                await data.RatingAsync(session, "volunteer", 1 + random.Next(5), at.AddHours(random.Next(1, 72)));
            }

            if (random.Next(10) < 6)
            {
                var language = languages[random.Next(languages.Length)];
                foreach (var dimension in OutcomeDimensions.All.Where(_ => random.Next(3) > 0))
                {
                    await data.ScoreAsync(company, session.Participant, dimension, Math.Round(random.NextDouble(), 3), at.AddDays(random.Next(0, 20)), language);
                }
            }
        }

        var cohorts = await CreateAsync(app, admin, Definitions);
        var pass = await data.CatchUpAsync(app.Service<CohortRefresher>());
        output.WriteLine($"{pass.Events} events, {pass.MembershipChanges} memberships, {pass.Recomputed.Count} rows recomputed");

        var analytics = app.Function<CohortAnalytics>();
        var compared = 0;
        foreach (var (id, filters) in cohorts)
        {
            var members = data.Members(a, filters);
            Assert.NotEmpty(members);
            var stored = await data.Rows.QueryAsync<Guid>("SELECT user_id FROM impact.cohort_members WHERE cohort_id = @id", new { id });
            Assert.Equal(members.Order(), stored.Order());
            foreach (var metric in CohortMetricNames.All)
            {
                foreach (var (kind, from, to) in new[] { ("month", "2026-01", "2026-07"), ("quarter", "2026-Q1", "2026-Q3") })
                {
                    var response = await app.Services.CallAsync(
                        CohortData.Request("GET", $"/v1/cohorts/{id}/metrics", admin, $"metric={metric}&periodKind={kind}&from={from}&to={to}"),
                        r => analytics.GetCohortMetrics(r, id.ToString(), CancellationToken.None));
                    Assert.True(response.Status == 200, response.Body);
                    foreach (var item in response.Json.GetProperty("items").EnumerateArray())
                    {
                        var lo = DateTime.Parse(item.GetProperty("periodStart").GetString()!, CultureInfo.InvariantCulture);
                        var hi = lo.AddMonths(kind == "month" ? 1 : 3);
                        var expected = await data.RecomputeAsync(a, filters, members, metric, lo, hi);
                        AssertSame(expected, item, $"{id} {metric} {item.GetProperty("period").GetString()}");
                        compared += expected.n > 0 ? 1 : 0;
                    }
                }
            }
        }

        output.WriteLine($"{compared} non-empty cohort × metric × period rows compared");
        Assert.True(compared > 100, $"only {compared} rows had data");

        // compare and top read the same rows.
        var march = await app.Services.CallAsync(CohortData.Request("POST", "/v1/cohorts/compare", admin,
                body: new { cohortIds = cohorts.Select(c => c.Id).ToArray(), metric = "rating", period = "2026-03" }),
            r => analytics.CompareCohorts(r, CancellationToken.None));
        Assert.Equal(200, march.Status);
        var items = march.Json.GetProperty("items").EnumerateArray().ToList();
        Assert.Equal(cohorts.Select(c => c.Id), items.Select(i => i.GetProperty("cohortId").GetGuid()));
        for (var i = 0; i < cohorts.Count; i++)
        {
            var expected = await data.RecomputeAsync(a, cohorts[i].Filters, data.Members(a, cohorts[i].Filters), "rating", new DateTime(2026, 3, 1), new DateTime(2026, 4, 1));
            AssertSame(expected, items[i].GetProperty("values"), $"compare {cohorts[i].Id}");
        }

        var top = await app.Services.CallAsync(CohortData.Request("GET", "/v1/cohorts/top", admin, "metric=session_hours&period=2026-Q1&limit=3"),
            r => analytics.TopCohorts(r, CancellationToken.None));
        Assert.Equal(200, top.Status);
        var expectedTop = new List<(Guid Id, double Avg)>();
        foreach (var (id, filters) in cohorts)
        {
            var r = await data.RecomputeAsync(a, filters, data.Members(a, filters), "session_hours", new DateTime(2026, 1, 1), new DateTime(2026, 4, 1));
            if (r.n > 0)
            {
                expectedTop.Add((id, r.avg!.Value));
            }
        }

        Assert.Equal(expectedTop.OrderByDescending(t => t.Avg).Take(3).Select(t => t.Id),
            top.Json.GetProperty("items").EnumerateArray().Select(i => i.GetProperty("cohortId").GetGuid()));
    }

    [Fact]
    public async Task AChangeShowsUpInItsPeriodsAndOnlyThosePeriodsAreRecomputed()
    {
        await using var app = await TestApp.StartAsync();
        var data = new CohortData(app.Database.DataSource);
        var a = await data.Rows.CompanyAsync("A");
        var admin = TestTokens.Admin(a);
        var refresher = app.Service<CohortRefresher>();
        var p1 = await data.Rows.UserAsync("participant", null);
        var p2 = await data.Rows.UserAsync("participant", null);
        var v1 = await data.Rows.UserAsync("volunteer", a);
        for (var m = 0; m < 6; m++)
        {
            var s = await data.SessionAsync(a, m % 2 == 0 ? p1 : p2, v1, Jan.AddMonths(m).AddDays(3), m < 3 ? "language" : "mentorship", 30 + m * 10, "A2");
            await data.RatingAsync(s, "participant", 3 + m % 3, s.At.AddHours(2));
            await data.ScoreAsync(a, s.Participant, OutcomeDimensions.Confidence, 0.2 + m / 10.0, s.At.AddDays(1), "uk");
        }

        var cohorts = await CreateAsync(app, admin, [new CohortFilters(), new CohortFilters(SessionType: "language", Role: "participant")]);
        var (all, learners) = (cohorts[0].Id, cohorts[1].Id);
        var first = await data.CatchUpAsync(refresher);
        Assert.NotEmpty(first.Recomputed);
        var before = await data.Rows.QueryAsync<(Guid, string, string, DateOnly, DateTime)>(
            "SELECT cohort_id, metric, period_kind, period_start, computed_at FROM impact.cohort_metrics");

        // Nothing new: nothing recomputed.
        Assert.Empty((await data.CatchUpAsync(refresher)).Recomputed);

        // A language session of p1 in March (both cohorts): its hours' month and quarter in each, nothing else.
        await data.SessionAsync(a, p1, v1, new DateTimeOffset(2026, 3, 20, 10, 0, 0, TimeSpan.Zero), "language", 95, "B1");
        var pass = await data.CatchUpAsync(refresher);
        Assert.Equal(0, pass.MembershipChanges);
        Assert.Equal(
            new[] { Key(all, "session_hours", "month", 2026, 3), Key(all, "session_hours", "quarter", 2026, 1),
                    Key(learners, "session_hours", "month", 2026, 3), Key(learners, "session_hours", "quarter", 2026, 1) }.Select(k => k.ToString()).Order(),
            pass.Recomputed.Select(k => k.ToString()).Order());
        var untouched = await data.Rows.QueryAsync<(Guid, string, string, DateOnly, DateTime)>(
            "SELECT cohort_id, metric, period_kind, period_start, computed_at FROM impact.cohort_metrics WHERE NOT (metric = 'session_hours' AND period_start IN ('2026-03-01', '2026-01-01'))");
        Assert.Equal(before.Where(r => !(r.Item2 == "session_hours" && (r.Item4 == new DateOnly(2026, 3, 1) || r.Item4 == new DateOnly(2026, 1, 1)))).Order(), untouched.Order());
        await AssertMatchesAsync(app, data, admin, a, cohorts, "session_hours", "month", "2026-03");
        await AssertMatchesAsync(app, data, admin, a, cohorts, "session_hours", "quarter", "2026-Q1");

        // A score of p2 in May: confidence of May and Q2 in both cohorts p2 belongs to (p2 took a language session in February).
        await data.ScoreAsync(a, p2, OutcomeDimensions.Confidence, 0.95, new DateTimeOffset(2026, 5, 9, 0, 0, 0, TimeSpan.Zero), "uk");
        pass = await data.CatchUpAsync(refresher);
        Assert.Equal(
            new[] { Key(all, "confidence", "month", 2026, 5), Key(all, "confidence", "quarter", 2026, 4),
                    Key(learners, "confidence", "month", 2026, 5), Key(learners, "confidence", "quarter", 2026, 4) }.Select(k => k.ToString()).Order(),
            pass.Recomputed.Select(k => k.ToString()).Order());
        await AssertMatchesAsync(app, data, admin, a, cohorts, "confidence", "month", "2026-05");

        // A newcomer's first session (a mentorship in June) makes them a member of "all" only: their periods, nothing else.
        var p3 = await data.Rows.UserAsync("participant", null);
        await data.SessionAsync(a, p3, v1, new DateTimeOffset(2026, 6, 2, 0, 0, 0, TimeSpan.Zero), "mentorship", 40, "C1");
        pass = await data.CatchUpAsync(refresher);
        Assert.Equal(1, pass.MembershipChanges);
        Assert.Equal(new[] { Key(all, "session_hours", "month", 2026, 6), Key(all, "session_hours", "quarter", 2026, 4) }.Select(k => k.ToString()).Order(),
            pass.Recomputed.Select(k => k.ToString()).Order());
        await AssertMatchesAsync(app, data, admin, a, cohorts, "session_hours", "month", "2026-06");
    }

    [Fact]
    public async Task ReadersDuringARefreshGetThePreviousCompleteValuesWithoutWaiting()
    {
        await using var app = await TestApp.StartAsync();
        var data = new CohortData(app.Database.DataSource);
        var a = await data.Rows.CompanyAsync("A");
        var admin = TestTokens.Admin(a);
        var refresher = app.Service<CohortRefresher>();
        var analytics = app.Function<CohortAnalytics>();
        var p1 = await data.Rows.UserAsync("participant", null);
        var v1 = await data.Rows.UserAsync("volunteer", a);
        for (var m = 0; m < 3; m++)
        {
            await data.SessionAsync(a, p1, v1, Jan.AddMonths(m).AddDays(5), "language", 60 + m * 15, "A1");
        }

        var cohorts = await CreateAsync(app, admin, [new CohortFilters()]);
        var id = cohorts[0].Id;
        await data.CatchUpAsync(refresher);
        var query = "metric=session_hours&periodKind=month&from=2026-01&to=2026-03";
        var previous = (await app.Services.CallAsync(CohortData.Request("GET", $"/v1/cohorts/{id}/metrics", admin, query),
            r => analytics.GetCohortMetrics(r, id.ToString(), CancellationToken.None))).Body;

        // Two new sessions in February; their events are taken in, the periods marked dirty.
        await data.SessionAsync(a, p1, v1, new DateTimeOffset(2026, 2, 20, 0, 0, 0, TimeSpan.Zero), "language", 200, "A1");
        await data.SessionAsync(a, p1, v1, new DateTimeOffset(2026, 2, 21, 0, 0, 0, TimeSpan.Zero), "language", 10, "A1");
        await data.CatchUpAsync(refresher, recompute: false);

        // Hold the refresh's transaction open: it has written February's new row and waits (on our lock) to mark the cohort refreshed.
        await using var holder = await app.Database.DataSource.OpenConnectionAsync();
        await using var hold = await holder.BeginTransactionAsync();
        await using (var lockCmd = new Npgsql.NpgsqlCommand("SELECT 1 FROM impact.cohorts WHERE id = @id FOR NO KEY UPDATE", holder, hold))
        {
            lockCmd.Parameters.AddWithValue("id", id);
            await lockCmd.ExecuteScalarAsync();
        }

        var refresh = Task.Run(() => refresher.RecomputeDirtyAsync());
        await WaitUntilAsync(() => data.Rows.ScalarAsync<bool>(
            """
            SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'
                           AND query LIKE 'UPDATE impact.cohorts SET metrics_refreshed_at%')
            """));

        // Readers now: the previous rows, complete, at once (a blocked read would time out and fail the test).
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var during = await app.Services.CallAsync(CohortData.Request("GET", $"/v1/cohorts/{id}/metrics", admin, query),
            r => analytics.GetCohortMetrics(r, id.ToString(), timeout.Token));
        Assert.Equal(200, during.Status);
        Assert.Equal(previous, during.Body);
        var trend = await app.Services.CallAsync(CohortData.Request("GET", $"/v1/cohorts/{id}/trends", admin, "metric=session_hours&periods=3"),
            r => analytics.GetCohortTrends(r, id.ToString(), timeout.Token));
        Assert.Equal(200, trend.Status);
        Assert.False(refresh.IsCompleted);

        await hold.CommitAsync();
        var done = await refresh;
        Assert.Equal(2, done.Recomputed.Count);
        var after = await app.Services.CallAsync(CohortData.Request("GET", $"/v1/cohorts/{id}/metrics", admin, query),
            r => analytics.GetCohortMetrics(r, id.ToString(), CancellationToken.None));
        var february = after.Json.GetProperty("items")[1];
        Assert.Equal(3, february.GetProperty("n").GetInt32());
        var expected = await data.RecomputeAsync(a, new CohortFilters(), data.Members(a, new CohortFilters()), "session_hours",
            new DateTime(2026, 2, 1), new DateTime(2026, 3, 1));
        AssertSame(expected, february, "february after the refresh");
        Assert.Equal(JsonDocument.Parse(previous).RootElement.GetProperty("items")[0].GetRawText(), after.Json.GetProperty("items")[0].GetRawText());
    }

    private static async Task<List<(Guid Id, CohortFilters Filters)>> CreateAsync(TestApp app, string admin, IEnumerable<CohortFilters> definitions)
    {
        var fn = app.Function<CohortDefinitions>();
        var result = new List<(Guid, CohortFilters)>();
        var i = 0;
        foreach (var filters in definitions)
        {
            var created = await app.Services.CallAsync(CohortData.Request("POST", "/v1/cohorts", admin, body: new { name = $"cohort {i++}", filters }),
                r => fn.CreateCohort(r, CancellationToken.None));
            Assert.True(created.Status == 201, created.Body);
            result.Add((created.Json.GetProperty("id").GetGuid(), filters));
        }

        return result;
    }

    private static async Task AssertMatchesAsync(TestApp app, CohortData data, string admin, Guid company, List<(Guid Id, CohortFilters Filters)> cohorts,
        string metric, string kind, string period)
    {
        var analytics = app.Function<CohortAnalytics>();
        foreach (var (id, filters) in cohorts)
        {
            var response = await app.Services.CallAsync(
                CohortData.Request("GET", $"/v1/cohorts/{id}/metrics", admin, $"metric={metric}&periodKind={kind}&from={period}&to={period}"),
                r => analytics.GetCohortMetrics(r, id.ToString(), CancellationToken.None));
            var item = Assert.Single(response.Json.GetProperty("items").EnumerateArray());
            var lo = DateTime.Parse(item.GetProperty("periodStart").GetString()!, CultureInfo.InvariantCulture);
            AssertSame(await data.RecomputeAsync(company, filters, data.Members(company, filters), metric, lo, lo.AddMonths(kind == "month" ? 1 : 3)),
                item, $"{id} {metric} {period}");
        }
    }

    // Counts and order statistics are exact; a mean and a standard deviation may differ in the last bits with summation order.
    private static void AssertSame(CohortData.Recomputed expected, JsonElement item, string what)
    {
        Assert.True(expected.n == item.GetProperty("n").GetInt32(), $"{what}: n {expected.n} vs {item}");
        Assert.True(expected.p50 == Number(item, "p50"), $"{what}: p50 {expected.p50} vs {item}");
        Assert.True(expected.p75 == Number(item, "p75"), $"{what}: p75 {expected.p75} vs {item}");
        Assert.True(expected.p95 == Number(item, "p95"), $"{what}: p95 {expected.p95} vs {item}");
        Assert.True(expected.min == Number(item, "min"), $"{what}: min {expected.min} vs {item}");
        Assert.True(expected.max == Number(item, "max"), $"{what}: max {expected.max} vs {item}");
        Close(expected.avg, Number(item, "avg"), what + ": avg");
        Close(expected.stddev, Number(item, "stddev"), what + ": stddev");
    }

    private static void Close(double? expected, double? actual, string what)
    {
        Assert.True(expected.HasValue == actual.HasValue, $"{what}: {expected} vs {actual}");
        if (expected is { } e && actual is { } x)
        {
            Assert.True(Math.Abs(e - x) <= 1e-12 * Math.Max(1, Math.Abs(e)), $"{what}: {e:R} vs {x:R}");
        }
    }

    private static double? Number(JsonElement item, string name) =>
        item.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

    private static DirtyPeriod Key(Guid cohort, string metric, string kind, int year, int month) => new(cohort, metric, kind, new DateOnly(year, month, 1));

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!await condition())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The refresh never reached its last statement.");
            }

            await Task.Delay(20);
        }
    }
}
