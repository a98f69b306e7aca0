using Impact.TestSupport;
using Impact.TestSupport.ImpactIn;
using Microsoft.Extensions.Time.Testing;

namespace Impact.Ingest.Tests.ImpactIn;

public sealed class ScheduleApiTests
{
    private static readonly DateTimeOffset MidMarch = DateTimeOffset.Parse("2026-03-15T10:00:00Z");

    [Fact]
    public async Task CreatingAMonthlyScheduleReturns201WithTheNextRunAtLocalMidnightOnTheFirst()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var partner = await FakePartner.StartAsync();
        await using var host = await ImpactInApi.StartAsync(db, partner, time: new FakeTimeProvider(MidMarch));
        var api = new ImpactInApi(host);
        var company = await ImpactData.CompanyAsync(db.DataSource);
        var token = ImpactInApi.AdminOf(company);

        var created = await api.CallAsync(
            ImpactInApi.Request("POST", "/v1/impact-in/schedules", token, new { companyId = company, platform = "benevity", schedule = "monthly", timeZone = "Europe/Oslo" }),
            r => api.Schedules.ImpactInCreateSchedule(r, CancellationToken.None));

        Assert.Equal(201, created.Status);
        var id = created.Json.GetProperty("id").GetGuid();
        Assert.Equal($"/v1/impact-in/schedules/{id}", created.Headers.Location.ToString());
        Assert.Equal("0 0 1 * *", created.Json.GetProperty("cronExpression").GetString());
        Assert.Equal("month", created.Json.GetProperty("period").GetString());
        Assert.Equal(DateTimeOffset.Parse("2026-03-31T22:00:00Z"), created.Json.GetProperty("nextRun").GetDateTimeOffset()); // 1 April 00:00 CEST
        Assert.True(created.Json.GetProperty("active").GetBoolean());

        var fetched = await api.CallAsync(ImpactInApi.Request("GET", $"/v1/impact-in/schedules/{id}", token), r => api.Schedules.ImpactInGetSchedule(r, id.ToString(), CancellationToken.None));
        Assert.Equal(200, fetched.Status);
        Assert.Equal("Europe/Oslo", fetched.Json.GetProperty("timeZone").GetString());
        var listed = await api.CallAsync(ImpactInApi.Request("GET", "/v1/impact-in/schedules", token, query: $"companyId={company}"), r => api.Schedules.ImpactInListSchedules(r, CancellationToken.None));
        Assert.Equal([id], listed.Json.GetProperty("items").EnumerateArray().Select(s => s.GetProperty("id").GetGuid()));
    }

    [Theory]
    [InlineData("0 0 32 * *", "'0 0 32 * *' is not a valid cron expression")]
    [InlineData("0 0 1 *", "has 4 field(s)")]
    [InlineData("every month", "has 2 field(s)")]
    public async Task ABadCronExpressionIsA400ThatSaysWhatIsWrong(string schedule, string expected)
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var partner = await FakePartner.StartAsync();
        await using var host = await ImpactInApi.StartAsync(db, partner);
        var api = new ImpactInApi(host);
        var company = await ImpactData.CompanyAsync(db.DataSource);
        var token = ImpactInApi.AdminOf(company);

        var response = await api.CallAsync(
            ImpactInApi.Request("POST", "/v1/impact-in/schedules", token, new { companyId = company, platform = "goodera", schedule, timeZone = "UTC" }),
            r => api.Schedules.ImpactInCreateSchedule(r, CancellationToken.None));

        Assert.Equal(400, response.Status);
        Assert.Equal("application/problem+json", response.ContentType);
        Assert.Contains(expected, response.Json.GetProperty("detail").GetString());
        Assert.Contains(expected, response.Json.GetProperty("errors").GetProperty("schedule")[0].GetString());
    }

    [Fact]
    public async Task AnUnknownTimeZoneAndPlatformAreA400NamingEachField()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var partner = await FakePartner.StartAsync();
        await using var host = await ImpactInApi.StartAsync(db, partner);
        var api = new ImpactInApi(host);
        var company = await ImpactData.CompanyAsync(db.DataSource);
        var token = ImpactInApi.AdminOf(company);

        var response = await api.CallAsync(
            ImpactInApi.Request("POST", "/v1/impact-in/schedules", token, new { companyId = company, platform = "salesforce", schedule = "quarterly", timeZone = "Mars/Olympus" }),
            r => api.Schedules.ImpactInCreateSchedule(r, CancellationToken.None));

        Assert.Equal(400, response.Status);
        var errors = response.Json.GetProperty("errors");
        Assert.Contains("'Mars/Olympus' is not an IANA time zone", errors.GetProperty("timeZone")[0].GetString());
        Assert.Contains("benevity, goodera, workday", errors.GetProperty("platform")[0].GetString());
    }

    [Fact]
    public async Task AnUnknownCompanyIs404AndASecondScheduleForTheSamePlatformIs409()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var partner = await FakePartner.StartAsync();
        await using var host = await ImpactInApi.StartAsync(db, partner);
        var api = new ImpactInApi(host);
        var company = await ImpactData.CompanyAsync(db.DataSource);
        var token = ImpactInApi.AdminOf(company);
        var stranger = Guid.NewGuid();

        var unknown = await api.CallAsync(
            ImpactInApi.Request("POST", "/v1/impact-in/schedules", ImpactInApi.OperatorToken, new { companyId = stranger, platform = "workday", schedule = "monthly", timeZone = "UTC" }),
            r => api.Schedules.ImpactInCreateSchedule(r, CancellationToken.None));
        var first = await api.CallAsync(
            ImpactInApi.Request("POST", "/v1/impact-in/schedules", token, new { companyId = company, platform = "workday", schedule = "monthly", timeZone = "UTC" }),
            r => api.Schedules.ImpactInCreateSchedule(r, CancellationToken.None));
        var second = await api.CallAsync(
            ImpactInApi.Request("POST", "/v1/impact-in/schedules", token, new { companyId = company, platform = "workday", schedule = "quarterly", timeZone = "UTC" }),
            r => api.Schedules.ImpactInCreateSchedule(r, CancellationToken.None));

        Assert.Equal(404, unknown.Status);
        Assert.Contains(stranger.ToString(), unknown.Json.GetProperty("detail").GetString());
        Assert.Equal(201, first.Status);
        Assert.Equal(409, second.Status);
        Assert.Contains("already has a workday schedule", second.Json.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task AnAdministratorsScheduleIsForItsOwnCompanyWhileAnOperatorMustNameTheCompany()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var partner = await FakePartner.StartAsync();
        await using var host = await ImpactInApi.StartAsync(db, partner);
        var api = new ImpactInApi(host);
        var company = await ImpactData.CompanyAsync(db.DataSource);

        var byAdmin = await api.CallAsync(
            ImpactInApi.Request("POST", "/v1/impact-in/schedules", ImpactInApi.AdminOf(company), new { platform = "benevity", schedule = "monthly", timeZone = "UTC" }),
            r => api.Schedules.ImpactInCreateSchedule(r, CancellationToken.None));
        var byOperator = await api.CallAsync(
            ImpactInApi.Request("POST", "/v1/impact-in/schedules", ImpactInApi.OperatorToken, new { platform = "goodera", schedule = "monthly", timeZone = "UTC" }),
            r => api.Schedules.ImpactInCreateSchedule(r, CancellationToken.None));

        Assert.Equal(201, byAdmin.Status);
        Assert.Equal(company, byAdmin.Json.GetProperty("companyId").GetGuid());
        Assert.Equal(400, byOperator.Status);
        Assert.Equal("Give the id of the company to report on.", byOperator.Json.GetProperty("errors").GetProperty("companyId")[0].GetString());
    }

    [Fact]
    public async Task PatchingTheScheduleMovesTheNextRunAndDeletingItRemovesIt()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var partner = await FakePartner.StartAsync();
        await using var host = await ImpactInApi.StartAsync(db, partner, time: new FakeTimeProvider(MidMarch));
        var api = new ImpactInApi(host);
        var company = await ImpactData.CompanyAsync(db.DataSource);
        var token = ImpactInApi.AdminOf(company);
        var created = await api.CallAsync(
            ImpactInApi.Request("POST", "/v1/impact-in/schedules", token, new { companyId = company, platform = "benevity", schedule = "monthly", timeZone = "UTC" }),
            r => api.Schedules.ImpactInCreateSchedule(r, CancellationToken.None));
        var id = created.Json.GetProperty("id").GetGuid();

        var patched = await api.CallAsync(
            ImpactInApi.Request("PATCH", $"/v1/impact-in/schedules/{id}", token, new { schedule = "quarterly", timeZone = "America/New_York", programId = "p-42" }),
            r => api.Schedules.ImpactInUpdateSchedule(r, id.ToString(), CancellationToken.None));
        var badPatch = await api.CallAsync(
            ImpactInApi.Request("PATCH", $"/v1/impact-in/schedules/{id}", token, new { period = "month" }),
            r => api.Schedules.ImpactInUpdateSchedule(r, id.ToString(), CancellationToken.None));
        var deleted = await api.CallAsync(ImpactInApi.Request("DELETE", $"/v1/impact-in/schedules/{id}", token), r => api.Schedules.ImpactInDeleteSchedule(r, id.ToString(), CancellationToken.None));
        var gone = await api.CallAsync(ImpactInApi.Request("GET", $"/v1/impact-in/schedules/{id}", token), r => api.Schedules.ImpactInGetSchedule(r, id.ToString(), CancellationToken.None));

        Assert.Equal(200, patched.Status);
        Assert.Equal("quarter", patched.Json.GetProperty("period").GetString());
        Assert.Equal("p-42", patched.Json.GetProperty("programId").GetString());
        Assert.Equal(DateTimeOffset.Parse("2026-04-01T04:00:00Z"), patched.Json.GetProperty("nextRun").GetDateTimeOffset()); // 1 April 00:00 EDT
        Assert.Equal(400, badPatch.Status);
        Assert.Contains("'quarterly' preset reports on a quarter", badPatch.Json.GetProperty("detail").GetString());
        Assert.Equal(204, deleted.Status);
        Assert.Equal(404, gone.Status);
        Assert.Equal("application/problem+json", gone.ContentType);
    }

    [Fact]
    public async Task AMalformedIdInTheRouteIsAProblemJson404NotTheHostsBare404()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var partner = await FakePartner.StartAsync();
        await using var host = await ImpactInApi.StartAsync(db, partner);
        var api = new ImpactInApi(host);
        var token = ImpactInApi.AdminOf(await ImpactData.CompanyAsync(db.DataSource));

        var schedule = await api.CallAsync(ImpactInApi.Request("GET", "/v1/impact-in/schedules/not-a-uuid", token),
            r => api.Schedules.ImpactInGetSchedule(r, "not-a-uuid", CancellationToken.None));
        var delivery = await api.CallAsync(ImpactInApi.Request("POST", "/v1/impact-in/deliveries/not-a-uuid/replay", token),
            r => api.Deliveries.ImpactInReplayDelivery(r, "not-a-uuid", host.Client, CancellationToken.None));

        Assert.Equal(404, schedule.Status);
        Assert.Equal("application/problem+json", schedule.ContentType);
        Assert.Equal("There is no Impact-In schedule with id 'not-a-uuid': ids are UUIDs.", schedule.Json.GetProperty("detail").GetString());
        Assert.Equal(404, delivery.Status);
        Assert.Equal("application/problem+json", delivery.ContentType);
        Assert.Equal("There is no Impact-In delivery with id 'not-a-uuid': ids are UUIDs.", delivery.Json.GetProperty("detail").GetString());
    }
}
