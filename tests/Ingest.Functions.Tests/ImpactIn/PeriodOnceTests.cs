using Impact.TestSupport;
using Impact.TestSupport.Durable;
using Impact.TestSupport.ImpactIn;
using Microsoft.Extensions.Time.Testing;

namespace Impact.Ingest.Tests.ImpactIn;

/// <summary>A period is delivered once per company and platform, whatever happens to the schedules.</summary>
public sealed class PeriodOnceTests
{
    [Fact]
    public async Task DeletingAndRecreatingAScheduleThenRunNowForTheSamePeriodIsA409AndLeavesOneDelivery()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-05-20T08:00:00Z"));
        await using var db = await TestDatabase.CreateAsync();
        await using var partner = await FakePartner.StartAsync();
        await using var host = await ImpactInApi.StartAsync(db, partner, time: time);
        var api = new ImpactInApi(host);
        var company = await ImpactData.CompanyWithSessionsAsync(db.DataSource, DateTimeOffset.Parse("2026-04-01T00:00:00Z"));
        var token = ImpactInApi.AdminOf(company);
        var schedule = await SchedulerTests.CreateAsync(api, company, "workday", "monthly", "UTC");
        var first = await RunNowAsync(host, api, schedule, token);
        await host.WaitForSuccessAsync(first.Json.GetProperty("instanceId").GetString()!);

        var deleted = await api.CallAsync(ImpactInApi.Request("DELETE", $"/v1/impact-in/schedules/{schedule}", token),
            r => api.Schedules.ImpactInDeleteSchedule(r, schedule.ToString(), CancellationToken.None));
        var recreated = await SchedulerTests.CreateAsync(api, company, "workday", "monthly", "UTC");
        var again = await RunNowAsync(host, api, recreated, token);

        Assert.Equal(202, first.Status);
        // The key is the company's, the platform's and the period's: no schedule id in it.
        Assert.Equal($"impactin-{company:N}-workday-month-20260401", first.Json.GetProperty("idempotencyKey").GetString());
        Assert.Equal(204, deleted.Status);
        Assert.NotEqual(schedule, recreated);
        Assert.Equal(409, again.Status);
        Assert.Equal("Period already delivered", again.Json.GetProperty("title").GetString());
        Assert.Contains(first.Json.GetProperty("id").GetString()!, again.Json.GetProperty("detail").GetString());
        Assert.Equal(1, await ImpactData.ScalarAsync<int>(db.DataSource,
            "SELECT count(*)::int FROM impact.impact_deliveries WHERE company_id = @company", new { company }));
        Assert.Single(partner.Requests);
    }

    [Fact]
    public async Task ARecreatedScheduleWhoseRunFallsOnADeliveredPeriodGetsNoNewDeliveryFromTheScheduler()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-03-15T10:00:00Z"));
        await using var db = await TestDatabase.CreateAsync();
        await using var partner = await FakePartner.StartAsync();
        await using var host = await ImpactInApi.StartAsync(db, partner, time: time);
        var api = new ImpactInApi(host);
        var company = await ImpactData.CompanyWithSessionsAsync(db.DataSource, DateTimeOffset.Parse("2026-03-01T00:00:00Z"));
        var token = ImpactInApi.AdminOf(company);
        var schedule = await SchedulerTests.CreateAsync(api, company, "benevity", "monthly", "UTC");
        time.SetUtcNow(DateTimeOffset.Parse("2026-04-01T00:00:30Z"));
        var tick = await api.NewScheduler().TickAsync(host.Client);
        var delivered = Assert.Single(await ImpactData.QueryAsync<(Guid Id, string InstanceId, string Key)>(db.DataSource,
            "SELECT id, instance_id, idempotency_key FROM impact.impact_deliveries WHERE company_id = @company", new { company }));
        await host.WaitForSuccessAsync(delivered.InstanceId);

        // An hour later the schedule is deleted and created again in Los Angeles: its first run, at 00:00 PDT
        // on 1 April, reports March there, the period just delivered.
        time.SetUtcNow(DateTimeOffset.Parse("2026-04-01T01:00:00Z"));
        await api.CallAsync(ImpactInApi.Request("DELETE", $"/v1/impact-in/schedules/{schedule}", token),
            r => api.Schedules.ImpactInDeleteSchedule(r, schedule.ToString(), CancellationToken.None));
        var recreated = await SchedulerTests.CreateAsync(api, company, "benevity", "monthly", "America/Los_Angeles");
        var preview = await api.CallAsync(ImpactInApi.Request("GET", $"/v1/impact-in/schedules/{recreated}/preview", token),
            r => api.Schedules.ImpactInPreviewSchedule(r, recreated.ToString(), CancellationToken.None));
        time.SetUtcNow(DateTimeOffset.Parse("2026-04-01T07:00:30Z"));
        var later = await api.NewScheduler().TickAsync(host.Client);

        Assert.Equal((1, 1), (tick.Created, tick.Started));
        Assert.Equal($"impactin-{company:N}-benevity-month-20260301", delivered.Key);
        Assert.Equal("2026-03-01", preview.Json.GetProperty("period").GetProperty("start").GetString());
        Assert.Equal(delivered.Key, preview.Json.GetProperty("idempotencyKey").GetString()); // the partner would see the same key
        Assert.Equal((1, 0, 0), (later.Claimed, later.Created, later.Started));
        Assert.Equal(delivered.Id, Assert.Single(await ImpactData.QueryAsync<Guid>(db.DataSource,
            "SELECT id FROM impact.impact_deliveries WHERE company_id = @company", new { company })));
        Assert.Single(partner.Requests);
    }

    private static Task<TestResponse> RunNowAsync(DurableTestHost host, ImpactInApi api, Guid schedule, string token) =>
        api.CallAsync(ImpactInApi.Request("POST", $"/v1/impact-in/schedules/{schedule}/run-now", token),
            r => api.Schedules.ImpactInRunScheduleNow(r, schedule.ToString(), host.Client, CancellationToken.None));
}
