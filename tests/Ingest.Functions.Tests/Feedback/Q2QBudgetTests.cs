using System.Globalization;
using Impact.Shared.Feedback.Pipeline;
using Impact.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Dapper;
using static Impact.Ingest.Tests.Feedback.Q2QBudgetApp;

namespace Impact.Ingest.Tests.Feedback;

/// <summary>
/// SPEC §I cost control over a real PostgreSQL, with two app instances (two service providers) sharing one database where the
/// point is that limits hold across instances. The LLM is tested at the <c>IChatClient</c> boundary: a scripted client that
/// answers and reports token usage stands in for Azure OpenAI / OpenAI, which have no local form. Time is a
/// <see cref="FakeTimeProvider"/> shared by the instances: nothing sleeps.
/// </summary>
public sealed class Q2QBudgetTests
{
    // 42.7 s before the minute ends, mid-month.
    private static readonly DateTimeOffset Start = DateTimeOffset.Parse("2026-12-15T10:00:17.300Z", CultureInfo.InvariantCulture);

    private static void Script(FeedbackApp f, int answers, long inputTokens = 37, long outputTokens = MaxOutputTokens)
    {
        for (var i = 0; i < answers; i++)
        {
            f.Chat.Answer(Valid, inputTokens, outputTokens);
        }
    }

    private static double RetryAfter(TestResponse r) => double.Parse(r.Headers["Retry-After"].ToString(), CultureInfo.InvariantCulture);

    [Fact]
    public async Task TwoHundredConcurrentCallsOnTwoInstancesAgainstABudgetFor150ReachTheProvider150TimesAndNeverOverspend()
    {
        var clock = new FakeTimeProvider(Start);
        await using var a = await StartAsync(clock, Settings());
        await using var b = await StartAsync(clock, Settings(), shared: a);
        await UsePaidModelAsync(a);
        var acme = await a.CompanyAsync();
        Assert.Equal(200, (await SetBudgetAsync(a, acme, new { monthlyBudgetUsd = 150 * CallUsd })).Status); // 15 USD
        // The provider uses every reserved output token: settlement frees nothing, so the budget holds exactly 150 calls.
        Script(a, 200);
        Script(b, 200);

        // Watches the committed ledger the whole time: spent + reserved must never pass the budget.
        using var stop = new CancellationTokenSource();
        var watcher = Task.Run(async () =>
        {
            decimal max = 0;
            while (!stop.IsCancellationRequested)
            {
                max = Math.Max(max, await a.ScalarAsync<decimal>("SELECT coalesce(max(spent_usd + reserved_usd), 0) FROM impact.q2q_spend"));
            }

            return max;
        });
        var responses = await Task.WhenAll(Enumerable.Range(0, 200).Select(i => Task.Run(() => ClassifyAsync(i % 2 == 0 ? a : b, acme))));
        await stop.CancelAsync();
        var maxCommitted = await watcher;

        var ok = responses.Where(r => r.Status == 200).ToList();
        var refused = responses.Where(r => r.Status == 429).ToList();
        Assert.Equal((150, 50), (ok.Count, refused.Count));
        Assert.All(ok, r => Assert.Equal(TextStatus.Classified, r.Json.GetProperty("status").GetString()));
        Assert.Equal(150, a.Chat.Calls.Count + b.Chat.Calls.Count);
        Assert.True(a.Chat.Calls.Count > 0 && b.Chat.Calls.Count > 0, "both instances called the provider");
        var untilNextMonth = (DateTimeOffset.Parse("2027-01-01T00:00:00Z", CultureInfo.InvariantCulture) - Start).TotalSeconds;
        Assert.All(refused, r =>
        {
            Assert.Equal("application/problem+json", r.ContentType);
            Assert.Equal("AI budget exhausted", r.Json.GetProperty("title").GetString());
            Assert.InRange(RetryAfter(r) - untilNextMonth, 0, 1);
        });
        var ledger = (await a.QueryAsync<(decimal Spent, decimal Reserved, long Requests)>(
            "SELECT spent_usd, reserved_usd, requests FROM impact.q2q_spend WHERE company_id = @acme", new { acme })).Single();
        Assert.Equal((15m, 0m, 150L), ledger);
        Assert.Equal([("settled", 150L)], await a.QueryAsync<(string, long)>(
            "SELECT status, count(*) FROM impact.q2q_reservations GROUP BY status"));
        Assert.True(maxCommitted <= 15m, $"spent + reserved reached {maxCommitted} USD, over the 15 USD budget");
    }

    [Fact]
    public async Task TwoInstancesTogetherAcceptExactly100RequestsOfACompanyInAMinuteAndEach429SaysTheTimeLeft()
    {
        var clock = new FakeTimeProvider(Start);
        await using var a = await StartAsync(clock, Settings(requestsPerMinute: 100));
        await using var b = await StartAsync(clock, Settings(requestsPerMinute: 100), shared: a);
        await UsePaidModelAsync(a);
        var acme = await a.CompanyAsync();
        var beta = await a.CompanyAsync("Beta", "beta.example");
        await SetBudgetAsync(a, acme, new { monthlyBudgetUsd = 1000 });
        await SetBudgetAsync(a, beta, new { monthlyBudgetUsd = 1000 });
        Script(a, 200);
        Script(b, 200);

        var responses = await Task.WhenAll(Enumerable.Range(0, 130).Select(i => Task.Run(() => ClassifyAsync(i % 2 == 0 ? a : b, acme))));

        Assert.Equal((100, 30), (responses.Count(r => r.Status == 200), responses.Count(r => r.Status == 429)));
        Assert.Equal(100, a.Chat.Calls.Count + b.Chat.Calls.Count);
        Assert.All(responses.Where(r => r.Status == 429), r =>
        {
            Assert.Equal("Too many classification requests", r.Json.GetProperty("title").GetString());
            Assert.True(Math.Abs(RetryAfter(r) - 42.7) < 1, $"Retry-After {RetryAfter(r)} s, 42.7 s were left");
        });
        // Another company has a window of its own.
        Assert.Equal(200, (await ClassifyAsync(b, beta)).Status);

        clock.Advance(TimeSpan.FromSeconds(20)); // 10:00:37.3
        var later = await ClassifyAsync(a, acme);
        Assert.Equal(429, later.Status);
        Assert.True(Math.Abs(RetryAfter(later) - 22.7) < 1, $"Retry-After {RetryAfter(later)} s, 22.7 s were left");

        clock.Advance(TimeSpan.FromSeconds(23)); // 10:01:00.3: a new window
        Assert.Equal(200, (await ClassifyAsync(b, acme)).Status);
        Assert.Equal(102, a.Chat.Calls.Count + b.Chat.Calls.Count);
        Assert.Equal([("10:00", 100), ("10:01", 1)], await a.QueryAsync<(string, int)>(
            "SELECT to_char(window_start AT TIME ZONE 'UTC', 'HH24:MI'), requests FROM impact.q2q_rate_windows WHERE company_id = @acme ORDER BY 1",
            new { acme }));
    }

    [Fact]
    public async Task AnInstanceWhosePostgresIsStoppedAnswers503AndNeverCallsTheProvider()
    {
        await using var pg = await StoppablePostgres.CreateAsync();
        var clock = new FakeTimeProvider(Start);
        var settings = Settings();
        settings["Postgres:ConnectionString"] = pg.ConnectionString;
        await using var live = await StartAsync(clock, Settings());
        await using var down = await StartAsync(clock, settings);
        await UsePaidModelAsync(live);
        await UsePaidModelAsync(down);
        var liveCompany = await live.CompanyAsync();
        Guid company;
        await using (var conn = await down.App.Service<NpgsqlDataSource>().OpenConnectionAsync())
        {
            company = await conn.ExecuteScalarAsync<Guid>("INSERT INTO impact.companies (name, email_domain) VALUES ('Acme', 'acme.example') RETURNING id");
        }

        await SetBudgetAsync(live, liveCompany, new { monthlyBudgetUsd = 10 });
        await SetBudgetAsync(down, company, new { monthlyBudgetUsd = 10 });
        Script(live, 5);
        Script(down, 5);
        Assert.Equal(200, (await ClassifyAsync(down, company)).Status); // the instance works while its database is up
        Assert.Single(down.Chat.Calls);

        await pg.StopAsync();
        var during = await Task.WhenAll(Enumerable.Range(0, 5).Select(_ => ClassifyAsync(down, company)));
        var beside = await ClassifyAsync(live, liveCompany);

        Assert.All(during, r =>
        {
            Assert.Equal(503, r.Status);
            Assert.Equal("application/problem+json", r.ContentType);
            Assert.True(RetryAfter(r) >= 1);
        });
        Assert.Single(down.Chat.Calls); // fail closed: no call without a reservation
        Assert.Equal(200, beside.Status); // the instance on the live database is not affected
    }

    [Fact]
    public async Task WhenTheBudgetLedgerCannotBeReachedNoProviderIsCalledTheApiAnswers503AndAPipelineTextWaitsAndIsClassifiedLater()
    {
        var clock = new FakeTimeProvider(Start);
        await using var f = await StartAsync(clock, Settings());
        await UsePaidModelAsync(f);
        var acme = await f.CompanyAsync();
        await SetBudgetAsync(f, acme, new { monthlyBudgetUsd = 10 });
        Script(f, 5);
        // Only the ledger is gone (the model registry and the texts table still answer): the reservation itself fails.
        await f.ScalarAsync<int>("ALTER TABLE impact.q2q_spend RENAME TO q2q_spend_away; SELECT 1");

        var api = await ClassifyAsync(f, acme);
        var submitted = await f.SubmitAsync(acme, new { contentId = "t-1", contentType = "feedback_text", text = Text });
        Assert.Equal(0, await f.DrainTextsAsync());

        Assert.Equal((503, "AI budget unavailable"), (api.Status, api.Json.GetProperty("title").GetString()));
        Assert.Equal("5", api.Headers["Retry-After"].ToString());
        Assert.Empty(f.Chat.Calls);
        var id = submitted.Json.GetProperty("id").GetGuid();
        var (status, reason) = (await f.QueryAsync<(string, string)>("SELECT status, unscored_reason FROM impact.texts WHERE id = @id", new { id })).Single();
        Assert.Equal(TextStatus.Deferred, status); // not unscored, not failed: it waits
        Assert.StartsWith("budget_store:", reason, StringComparison.Ordinal);
        Assert.Equal(0, (await f.TextPoisonQueue.GetPropertiesAsync()).Value.ApproximateMessagesCount);

        await f.ScalarAsync<int>("ALTER TABLE impact.q2q_spend_away RENAME TO q2q_spend; SELECT 1");
        var outbox = f.App.Service<TextOutbox>();
        Assert.Equal(0, await outbox.SweepAsync()); // not due yet
        clock.Advance(TimeSpan.FromSeconds(31));
        Assert.Equal(1, await outbox.SweepAsync());
        Assert.Equal(0, await f.DrainTextsAsync());

        Assert.Single(f.Chat.Calls);
        Assert.Equal(TextStatus.Classified, await f.ScalarAsync<string>("SELECT status FROM impact.texts WHERE id = @id", new { id }));
        Assert.Equal(5, await f.ScalarAsync<long>("SELECT count(*) FROM impact.outcome_scores WHERE text_id = @id", new { id }));
    }

    [Fact]
    public async Task APipelineTextOverTheBudgetIsDeferredNotUnscoredAndRaisingTheBudgetClassifiesIt()
    {
        var clock = new FakeTimeProvider(Start);
        await using var f = await StartAsync(clock, Settings());
        await UsePaidModelAsync(f);
        var acme = await f.CompanyAsync();
        Script(f, 5);

        // No budget set: the default, 0 USD, holds no paid call.
        var submitted = await f.SubmitAsync(acme, new { contentId = "t-1", contentType = "feedback_text", text = Text });
        Assert.Equal(0, await f.DrainTextsAsync());
        var id = submitted.Json.GetProperty("id").GetGuid();
        Assert.Equal((TextStatus.Deferred, "budget"), (await f.QueryAsync<(string, string)>(
            "SELECT status, split_part(unscored_reason, ':', 1) FROM impact.texts WHERE id = @id", new { id })).Single());
        Assert.Empty(f.Chat.Calls);
        Assert.Equal(0, await f.App.Service<TextOutbox>().SweepAsync()); // it waits for next month...

        Assert.Equal(200, (await SetBudgetAsync(f, acme, new { monthlyBudgetUsd = 1 })).Status); // ...or a budget
        Assert.Equal(1, await f.App.Service<TextOutbox>().SweepAsync());
        Assert.Equal(0, await f.DrainTextsAsync());

        Assert.Single(f.Chat.Calls);
        Assert.Equal(TextStatus.Classified, await f.ScalarAsync<string>("SELECT status FROM impact.texts WHERE id = @id", new { id }));
        Assert.Equal((CallUsd, 0m, 1L), (await f.QueryAsync<(decimal, decimal, long)>(
            "SELECT spent_usd, reserved_usd, requests FROM impact.q2q_spend WHERE company_id = @acme", new { acme })).Single());
    }

    [Fact]
    public async Task OperatorsSetABudgetAuditedAndACompanyAdminSeesOnlyTheirOwnBudgetAndSpend()
    {
        var clock = new FakeTimeProvider(Start);
        await using var f = await StartAsync(clock, Settings());
        await UsePaidModelAsync(f);
        var acme = await f.CompanyAsync();
        var beta = await f.CompanyAsync("Beta", "beta.example");
        Script(f, 3, inputTokens: 50, outputTokens: 40);

        var byAdmin = await SetBudgetAsync(f, acme, new { monthlyBudgetUsd = 5 }, FeedbackApp.Admin(acme));
        var bad = await SetBudgetAsync(f, acme, new { monthlyBudgetUsd = -1 });
        var unknown = await SetBudgetAsync(f, Guid.NewGuid(), new { monthlyBudgetUsd = 5 });
        var set = await SetBudgetAsync(f, acme, new { monthlyBudgetUsd = 2.5 });
        Assert.Equal(200, (await ClassifyAsync(f, acme)).Status);
        var own = await GetBudgetAsync(f, acme.ToString(), FeedbackApp.Admin(acme));
        var other = await GetBudgetAsync(f, beta.ToString(), FeedbackApp.Admin(acme));
        var malformed = await GetBudgetAsync(f, "not-a-uuid", FeedbackApp.Operator());
        var ofBeta = await GetBudgetAsync(f, beta.ToString(), FeedbackApp.Operator());

        Assert.Equal((403, 400, 404, 200, 200, 404, 404, 200),
            (byAdmin.Status, bad.Status, unknown.Status, set.Status, own.Status, other.Status, malformed.Status, ofBeta.Status));
        Assert.True(bad.Json.GetProperty("errors").TryGetProperty("monthlyBudgetUsd", out _));
        var view = own.Json;
        Assert.Equal(2.5m, view.GetProperty("monthlyBudgetUsd").GetDecimal());
        Assert.Equal("company", view.GetProperty("budgetSource").GetString());
        Assert.Equal("2026-12", view.GetProperty("month").GetString());
        Assert.Equal(0.04m, view.GetProperty("spentUsd").GetDecimal()); // 40 output tokens at 1,000 USD per 1M
        Assert.Equal(2.46m, view.GetProperty("remainingUsd").GetDecimal());
        Assert.Equal((1L, 50L, 40L), (view.GetProperty("requests").GetInt64(), view.GetProperty("inputTokens").GetInt64(), view.GetProperty("outputTokens").GetInt64()));
        Assert.Equal(1000, view.GetProperty("requestsPerMinute").GetInt32()); // Settings()
        Assert.Equal(DateTimeOffset.Parse("2027-01-01T00:00:00Z", CultureInfo.InvariantCulture), view.GetProperty("resetsAt").GetDateTimeOffset());
        Assert.Equal(("default", 0m), (ofBeta.Json.GetProperty("budgetSource").GetString(), ofBeta.Json.GetProperty("monthlyBudgetUsd").GetDecimal()));
        Assert.Equal([("q2q.budget.set", $"company:{acme}", "ops-1")], await f.QueryAsync<(string, string, string)>(
            "SELECT action, subject, performed_by FROM impact.audit_log WHERE action LIKE 'q2q.budget%'"));
    }

    [Fact]
    public async Task AHighRiskTextIsNotClassifiedAndCostsNothing()
    {
        var clock = new FakeTimeProvider(Start);
        await using var f = await StartAsync(clock, Settings());
        await UsePaidModelAsync(f);
        var acme = await f.CompanyAsync();
        await SetBudgetAsync(f, acme, new { monthlyBudgetUsd = 1 });
        Script(f, 1);

        var held = await ClassifyAsync(f, acme, "HIGHRISK I belong here now");

        Assert.Equal(200, held.Status);
        Assert.Equal(("held", "high"), (held.Json.GetProperty("status").GetString(), held.Json.GetProperty("risk").GetString()));
        Assert.Empty(f.Chat.Calls);
        Assert.Equal(0, await f.ScalarAsync<long>("SELECT count(*) FROM impact.q2q_reservations"));
    }
}
