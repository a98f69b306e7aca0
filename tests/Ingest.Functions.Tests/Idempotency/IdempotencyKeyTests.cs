using System.Text.Json;
using Dapper;
using Impact.Ingest.Http;
using Impact.Ingest.ImpactIn;
using Impact.Ingest.Tests.Backfill;
using Impact.Shared.Idempotency;
using Impact.TestSupport;
using Impact.TestSupport.Backfill;
using Impact.TestSupport.ImpactIn;
using Impact.TestSupport.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Impact.Ingest.Tests.Idempotency;

/// <summary>
/// SPEC §L: <c>Idempotency-Key</c> on the admin POSTs, called as the worker calls them (policy, then the key, then
/// the function) over real PostgreSQL. Imports are the resource with no natural key of its own (every upload is a
/// new job), so they show that a retry does not create a second one; schedules show scoping and expiry.
/// </summary>
public sealed class IdempotencyKeyTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task TheSameImportWithTheSameKeyTwiceCreatesOneJobAndAnswersTheSameBody()
    {
        await using var app = await BackfillApp.StartAsync(BackfillApp.Settings(chunkRows: 1_000));
        var csv = new KintellSessionsCsv { Rows = 5 }.ToBytes();

        var first = await UploadAsync(app, csv, "import-2026-11-30");
        var second = await UploadAsync(app, csv, "import-2026-11-30");

        Assert.Equal(202, first.Status);
        Assert.Equal(202, second.Status);
        Assert.Equal(first.BodyBytes, second.BodyBytes);
        Assert.Equal(first.Headers.Location.ToString(), second.Headers.Location.ToString());
        Assert.False(first.Headers.ContainsKey(IdempotentRequests.ReplayedHeader));
        Assert.Equal("true", second.Headers[IdempotentRequests.ReplayedHeader].ToString());
        Assert.Equal(1, await app.CountAsync("SELECT count(*) FROM impact.backfill_jobs"));
        Assert.Equal(1, await app.CountAsync("SELECT count(*) FROM impact.audit_log WHERE action = 'import.create'"));
        await app.WaitForJobAsync(first.Json.GetProperty("jobId").GetString()!, Timeout);
        // Without a key every upload is a new job, as before.
        await UploadAsync(app, csv, key: null);
        Assert.Equal(2, await app.CountAsync("SELECT count(*) FROM impact.backfill_jobs"));
    }

    [Fact]
    public async Task ConcurrentRequestsWithOneKeyCreateOneJob()
    {
        await using var app = await BackfillApp.StartAsync(BackfillApp.Settings(chunkRows: 1_000));
        var csv = new KintellSessionsCsv { Rows = 5 }.ToBytes();

        var responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => Task.Run(() => UploadAsync(app, csv, "one-key"))));

        Assert.Equal(1, await app.CountAsync("SELECT count(*) FROM impact.backfill_jobs"));
        var created = responses.Where(r => r.Status == 202).ToList();
        Assert.NotEmpty(created);
        Assert.All(created, r => Assert.Equal(created[0].BodyBytes, r.BodyBytes));
        // The others arrived while the first ran: told to retry, and a retry now gets the first answer.
        Assert.All(responses.Where(r => r.Status != 202), r =>
        {
            Assert.Equal((409, "application/problem+json"), (r.Status, r.ContentType));
            Assert.Equal("Request in progress", r.Json.GetProperty("title").GetString());
            Assert.Equal("1", r.Headers.RetryAfter.ToString());
        });
        var retry = await UploadAsync(app, csv, "one-key");
        Assert.Equal(created[0].BodyBytes, retry.BodyBytes);
        Assert.Equal(1, await app.CountAsync("SELECT count(*) FROM impact.backfill_jobs"));
    }

    [Fact]
    public async Task TheSameKeyWithAnotherBodyIsA422AndChangesNothing()
    {
        await using var app = await TestApp.StartAsync();
        var company = await ImpactData.CompanyAsync(app.Database.DataSource);
        var token = TestTokens.Admin(company);

        var first = await CreateScheduleAsync(app, token, "benevity", "k-1");
        var other = await CreateScheduleAsync(app, token, "goodera", "k-1");

        Assert.Equal(201, first.Status);
        Assert.Equal((422, "application/problem+json"), (other.Status, other.ContentType));
        Assert.Equal("Idempotency-Key reused", other.Json.GetProperty("title").GetString());
        Assert.Contains("different request", other.Json.GetProperty("detail").GetString());
        Assert.Equal(["benevity"], await QueryAsync<string>(app, "SELECT platform FROM impact.scheduled_deliveries"));
    }

    [Fact]
    public async Task ARequestThatFailsFreesItsKeySoTheCorrectedRequestRuns()
    {
        await using var app = await TestApp.StartAsync();
        var company = await ImpactData.CompanyAsync(app.Database.DataSource);
        var token = TestTokens.Admin(company);

        var bad = await CreateScheduleAsync(app, token, "benevity", "k-2", schedule: "every month");
        var good = await CreateScheduleAsync(app, token, "benevity", "k-2");

        Assert.Equal(400, bad.Status);
        Assert.Equal(201, good.Status);
        Assert.Equal(1, await ScalarAsync<long>(app, "SELECT count(*) FROM impact.scheduled_deliveries"));
    }

    [Fact]
    public async Task TwoCompaniesUsingTheSameKeyDoNotSeeEachOthersAnswers()
    {
        await using var app = await TestApp.StartAsync();
        var a = await ImpactData.CompanyAsync(app.Database.DataSource, "A");
        var b = await ImpactData.CompanyAsync(app.Database.DataSource, "B");

        var ofA = await CreateScheduleAsync(app, TestTokens.Admin(a), "benevity", "shared-key");
        var ofB = await CreateScheduleAsync(app, TestTokens.Admin(b), "benevity", "shared-key");

        Assert.Equal((201, 201), (ofA.Status, ofB.Status));
        Assert.False(ofB.Headers.ContainsKey(IdempotentRequests.ReplayedHeader));
        Assert.Equal(a, ofA.Json.GetProperty("companyId").GetGuid());
        Assert.Equal(b, ofB.Json.GetProperty("companyId").GetGuid());
        Assert.Equal(2, await ScalarAsync<long>(app, "SELECT count(*) FROM impact.scheduled_deliveries"));
        Assert.Equal(2, await ScalarAsync<long>(app, "SELECT count(*) FROM impact.idempotency_keys WHERE idempotency_key = 'shared-key'"));
    }

    [Fact]
    public async Task AnExpiredKeyIsNotReplayedAndThePurgeDeletesIt()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-30T08:00:00Z"));
        await using var app = await TestApp.StartAsync(services: s => s.AddSingleton<TimeProvider>(time));
        var company = await ImpactData.CompanyAsync(app.Database.DataSource);
        var token = TestTokens.Admin(company);
        var first = await CreateScheduleAsync(app, token, "benevity", "k-3");

        time.Advance(TimeSpan.FromHours(23));
        var withinADay = await CreateScheduleAsync(app, token, "benevity", "k-3");
        time.Advance(TimeSpan.FromHours(1));
        var afterADay = await CreateScheduleAsync(app, token, "benevity", "k-3");

        Assert.Equal(201, first.Status);
        Assert.Equal(first.BodyBytes, withinADay.BodyBytes);
        // Run again, not replayed: the schedule already exists now.
        Assert.Equal(409, afterADay.Status);
        Assert.Equal("application/problem+json", afterADay.ContentType);

        await CreateScheduleAsync(app, token, "goodera", "k-4");
        time.Advance(TimeSpan.FromHours(24));
        Assert.Equal(1, await app.Service<IdempotencyKeys>().PurgeExpiredAsync());
        Assert.Equal(0, await ScalarAsync<long>(app, "SELECT count(*) FROM impact.idempotency_keys"));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("tab\tinside")]
    [InlineData("schlüssel")]
    [InlineData(null)] // 256 characters
    public async Task AMalformedKeyIsA400AndNothingIsCreated(string? key)
    {
        await using var app = await TestApp.StartAsync();
        var company = await ImpactData.CompanyAsync(app.Database.DataSource);

        var response = await CreateScheduleAsync(app, TestTokens.Admin(company), "benevity", key ?? new string('k', 256));

        Assert.Equal((400, "application/problem+json"), (response.Status, response.ContentType));
        Assert.Equal("Invalid Idempotency-Key", response.Json.GetProperty("title").GetString());
        Assert.Equal(0, await ScalarAsync<long>(app, "SELECT count(*) FROM impact.scheduled_deliveries"));
    }

    [Fact]
    public async Task AKeyOf255PrintableCharactersOrInQuotesIsAccepted()
    {
        await using var app = await TestApp.StartAsync();
        var company = await ImpactData.CompanyAsync(app.Database.DataSource);
        var token = TestTokens.Admin(company);

        var longest = await CreateScheduleAsync(app, token, "benevity", new string('~', 255));
        var quoted = await CreateScheduleAsync(app, token, "goodera", "\"8e3f1c1a-quoted key\"");
        var again = await CreateScheduleAsync(app, token, "goodera", "\"8e3f1c1a-quoted key\"");

        Assert.Equal((201, 201), (longest.Status, quoted.Status));
        Assert.Equal(quoted.BodyBytes, again.BodyBytes);
        Assert.Equal(["8e3f1c1a-quoted key", new string('~', 255)],
            await QueryAsync<string>(app, "SELECT idempotency_key FROM impact.idempotency_keys ORDER BY idempotency_key"));
    }

    [Fact]
    public void EveryStateChangingAdminPostHonoursTheKeyAndThePartnerWebhookDoesNot()
    {
        var posts = FunctionPolicies.All.Where(p => p.Methods.Contains("POST")).ToList();

        Assert.Equal([], posts.Where(p => !p.IsPartnerWebhook && !p.Idempotent).Select(p => p.Name));
        Assert.All(posts.Where(p => p.IsPartnerWebhook), p => Assert.False(p.Idempotent));
        Assert.Contains(posts, p => p.Name == "ReceiveKintellWebhook");
        Assert.All(FunctionPolicies.All.Where(p => !p.Methods.Contains("POST")), p => Assert.False(p.Idempotent));
    }

    private static Task<TestResponse> UploadAsync(BackfillApp app, byte[] csv, string? key)
    {
        var headers = new Dictionary<string, string> { ["Authorization"] = TestTokens.Bearer(app.Admin) };
        if (key is not null)
        {
            headers[IdempotentRequests.HeaderName] = key;
        }

        return app.Services.CallAsync(HttpInvoker.Request("POST", "/v1/imports/kintell-sessions", csv, "text/csv", headers, "fileName=s.csv"),
            r => app.Functions.ImportKintellSessions(r, app.Client, CancellationToken.None));
    }

    private static Task<TestResponse> CreateScheduleAsync(TestApp app, string token, string platform, string key, string schedule = "monthly")
    {
        var body = JsonSerializer.SerializeToUtf8Bytes(new { platform, schedule, timeZone = "UTC" });
        var request = HttpInvoker.Request("POST", "/v1/impact-in/schedules", body, "application/json",
            new Dictionary<string, string> { ["Authorization"] = TestTokens.Bearer(token), [IdempotentRequests.HeaderName] = key });
        var functions = app.Function<ImpactInSchedules>();
        return app.Services.CallAsync(request, r => functions.ImpactInCreateSchedule(r, CancellationToken.None));
    }

    private static async Task<T> ScalarAsync<T>(TestApp app, string sql)
    {
        await using var conn = await app.Database.DataSource.OpenConnectionAsync();
        return (await conn.ExecuteScalarAsync<T>(sql))!;
    }

    private static async Task<List<T>> QueryAsync<T>(TestApp app, string sql)
    {
        await using var conn = await app.Database.DataSource.OpenConnectionAsync();
        return (await conn.QueryAsync<T>(sql)).ToList();
    }
}
