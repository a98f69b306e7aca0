using System.Text.Json.Nodes;
using Impact.Shared.ImpactIn;
using Impact.TestSupport;
using Impact.TestSupport.ImpactIn;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Impact.Ingest.Tests.ImpactIn;

public sealed class SchedulerTests
{
    [Fact]
    public async Task TwoSchedulerRunsAtTheSameTimeCreateExactlyOneDeliveryForThePeriod()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-03-15T10:00:00Z"));
        await using var db = await TestDatabase.CreateAsync();
        await using var partner = await FakePartner.StartAsync();
        await using var host = await ImpactInApi.StartAsync(db, partner, time: time);
        var api = new ImpactInApi(host);
        var company = await ImpactData.CompanyWithSessionsAsync(db.DataSource, DateTimeOffset.Parse("2026-03-01T00:00:00Z"));
        var schedule = await CreateAsync(api, company, "benevity", "monthly", "UTC");
        time.SetUtcNow(DateTimeOffset.Parse("2026-04-01T00:00:30Z"));

        // Two timers (e.g. two app instances) fire at once, each on its own connection.
        var ticks = await Task.WhenAll(api.NewScheduler().TickAsync(host.Client), api.NewScheduler().TickAsync(host.Client));

        Assert.Equal(1, ticks.Sum(t => t.Created));
        Assert.Equal(1, ticks.Sum(t => t.Started));
        var delivery = Assert.Single(await ImpactData.QueryAsync<(Guid Id, string InstanceId, string PeriodStart)>(db.DataSource,
            "SELECT id, instance_id, period_start::text FROM impact.impact_deliveries WHERE schedule_id = @schedule", new { schedule }));
        Assert.Equal("2026-03-01", delivery.PeriodStart);
        Assert.Equal(DateTime.Parse("2026-05-01T00:00:00Z").ToUniversalTime(), await ImpactData.ScalarAsync<DateTime>(db.DataSource,
            "SELECT next_run FROM impact.scheduled_deliveries WHERE id = @schedule", new { schedule }));
        await host.WaitForSuccessAsync(delivery.InstanceId);

        // The same run fires again later (a timer retried, a clock moved back): the period already has its delivery.
        await ImpactData.ScalarAsync<int>(db.DataSource,
            "UPDATE impact.scheduled_deliveries SET next_run = '2026-04-01T00:00:00Z' WHERE id = @schedule RETURNING 1", new { schedule });
        var again = await api.NewScheduler().TickAsync(host.Client);

        Assert.Equal((1, 0, 0), (again.Claimed, again.Created, again.Started));
        Assert.Equal(1, await ImpactData.ScalarAsync<int>(db.DataSource,
            "SELECT count(*) FROM impact.impact_deliveries WHERE schedule_id = @schedule", new { schedule }));
        Assert.Single(partner.Requests);
    }

    [Fact]
    public async Task ADeliveryWhoseStartWasLostIsStartedOnceByALaterTickEvenWhenTwoTicksRace()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-05-20T08:00:00Z"));
        await using var db = await TestDatabase.CreateAsync();
        await using var partner = await FakePartner.StartAsync();
        await using var host = await ImpactInApi.StartAsync(db, partner, time: time);
        var api = new ImpactInApi(host);
        var company = await ImpactData.CompanyWithSessionsAsync(db.DataSource, DateTimeOffset.Parse("2026-04-01T00:00:00Z"));
        var schedule = await host.Services.GetRequiredService<ScheduleStore>().GetAsync(await CreateAsync(api, company, "goodera", "monthly", "UTC"),
            ImpactInDurable.Setup);
        // The delivery row is committed but the process dies before starting its orchestration.
        var delivery = await host.Services.GetRequiredService<DeliveryStore>().CreateRunNowAsync(schedule, ImpactInDurable.Setup);

        var early = await api.NewScheduler().TickAsync(host.Client);
        time.Advance(TimeSpan.FromMinutes(3)); // past RestartPendingAfter (2 minutes)
        var ticks = await Task.WhenAll(api.NewScheduler().TickAsync(host.Client), api.NewScheduler().TickAsync(host.Client));
        await host.WaitForSuccessAsync(delivery.InstanceId);

        Assert.Equal(0, early.Started);
        Assert.Equal(1, ticks.Sum(t => t.Started));
        Assert.Single(partner.Requests);
        Assert.Equal("succeeded", await ImpactData.ScalarAsync<string>(db.DataSource,
            "SELECT status FROM impact.impact_deliveries WHERE id = @id", new { id = delivery.Id }));
    }

    [Fact]
    public async Task PreviewEqualsThePayloadThenSentForThatPeriod()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-03-15T10:00:00Z"));
        await using var db = await TestDatabase.CreateAsync();
        await using var partner = await FakePartner.StartAsync();
        await using var host = await ImpactInApi.StartAsync(db, partner, time: time);
        var api = new ImpactInApi(host);
        var company = await ImpactData.CompanyAsync(db.DataSource);
        var volunteer = await ImpactData.UserAsync(db.DataSource, "volunteer", company);
        var participant = await ImpactData.UserAsync(db.DataSource, "participant");
        // In Oslo, 28 Feb 23:30 (22:30 UTC) is February and 31 Mar 23:30 CEST (21:30 UTC) is March.
        await ImpactData.SessionAsync(db.DataSource, company, DateTimeOffset.Parse("2026-02-28T22:30:00Z"), 90, participant, volunteer, rating: 2);
        await ImpactData.SessionAsync(db.DataSource, company, DateTimeOffset.Parse("2026-03-10T12:00:00Z"), 60, participant, volunteer, rating: 5);
        await ImpactData.SessionAsync(db.DataSource, company, DateTimeOffset.Parse("2026-03-31T21:30:00Z"), 30, participant, volunteer, "mentorship");
        await ImpactData.SessionAsync(db.DataSource, company, DateTimeOffset.Parse("2026-03-31T22:30:00Z"), 45, participant, volunteer);
        var schedule = await CreateAsync(api, company, "goodera", "monthly", "Europe/Oslo");

        var preview = await api.CallAsync(ImpactInApi.Request("GET", $"/v1/impact-in/schedules/{schedule}/preview", ImpactInApi.AdminOf(company)),
            r => api.Schedules.ImpactInPreviewSchedule(r, schedule.ToString(), CancellationToken.None));

        Assert.Equal(200, preview.Status);
        Assert.Equal("2026-03-01", preview.Json.GetProperty("period").GetProperty("start").GetString());
        Assert.Equal("2026-03-31", preview.Json.GetProperty("period").GetProperty("end").GetString());
        var previewed = JsonNode.Parse(preview.Json.GetProperty("payload").GetRawText())!;
        Assert.Equal(1.5m, (decimal)previewed["impactDimensions"]![0]!["value"]!); // 60 + 30 minutes
        Assert.Empty(partner.Requests);

        time.SetUtcNow(DateTimeOffset.Parse("2026-03-31T22:00:30Z")); // 1 April 00:00:30 in Oslo
        var tick = await api.NewScheduler().TickAsync(host.Client);
        Assert.Equal(1, tick.Started);
        await host.WaitForSuccessAsync(preview.Json.GetProperty("idempotencyKey").GetString()!);

        var sent = Assert.Single(partner.Requests);
        Assert.True(JsonNode.DeepEquals(previewed, JsonNode.Parse(sent.Body)), $"sent {sent.Body}\npreviewed {previewed.ToJsonString()}");
        Assert.Equal(preview.Json.GetProperty("idempotencyKey").GetString(), sent.Header("Idempotency-Key"));
    }

    [Fact]
    public async Task RunNowDeliversTheLastCompletePeriodOnceAndASecondRunNowIsA409()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-05-20T08:00:00Z"));
        await using var db = await TestDatabase.CreateAsync();
        await using var partner = await FakePartner.StartAsync();
        await using var host = await ImpactInApi.StartAsync(db, partner, time: time);
        var api = new ImpactInApi(host);
        var company = await ImpactData.CompanyWithSessionsAsync(db.DataSource, DateTimeOffset.Parse("2026-04-01T00:00:00Z"));
        var schedule = await CreateAsync(api, company, "workday", "monthly", "UTC");

        var first = await api.CallAsync(ImpactInApi.Request("POST", $"/v1/impact-in/schedules/{schedule}/run-now", ImpactInApi.AdminOf(company)),
            r => api.Schedules.ImpactInRunScheduleNow(r, schedule.ToString(), host.Client, CancellationToken.None));
        await host.WaitForSuccessAsync(first.Json.GetProperty("instanceId").GetString()!);
        var second = await api.CallAsync(ImpactInApi.Request("POST", $"/v1/impact-in/schedules/{schedule}/run-now", ImpactInApi.AdminOf(company)),
            r => api.Schedules.ImpactInRunScheduleNow(r, schedule.ToString(), host.Client, CancellationToken.None));

        Assert.Equal(202, first.Status);
        Assert.Equal("2026-04-01", first.Json.GetProperty("periodStart").GetString());
        Assert.Equal(409, second.Status);
        Assert.Contains(first.Json.GetProperty("id").GetString()!, second.Json.GetProperty("detail").GetString());
        var sent = Assert.Single(partner.Requests);
        var activities = JsonNode.Parse(sent.Body)!["volunteerActivities"]!.AsArray();
        Assert.Equal(["language", "mentorship"], activities.Select(a => (string)a!["activityType"]!));
        Assert.Equal([1.75m, 0.75m], activities.Select(a => (decimal)a!["volunteerHours"]!));
    }

    internal static async Task<Guid> CreateAsync(ImpactInApi api, Guid company, string platform, string schedule, string timeZone)
    {
        var created = await api.CallAsync(
            ImpactInApi.Request("POST", "/v1/impact-in/schedules", ImpactInApi.AdminOf(company), new { companyId = company, platform, schedule, timeZone }),
            r => api.Schedules.ImpactInCreateSchedule(r, CancellationToken.None));
        Assert.Equal(201, created.Status);
        return created.Json.GetProperty("id").GetGuid();
    }
}
