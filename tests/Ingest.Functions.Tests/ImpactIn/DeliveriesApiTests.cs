using Impact.Shared.ImpactIn;
using Impact.TestSupport;
using Impact.TestSupport.ImpactIn;
using Microsoft.Extensions.DependencyInjection;

namespace Impact.Ingest.Tests.ImpactIn;

public sealed class DeliveriesApiTests
{
    private static readonly ReportingPeriod LastMonth = ReportingPeriod.Previous(DateTimeOffset.UtcNow, TimeZoneInfo.Utc, PeriodKind.Month);

    [Fact]
    public async Task ReplayingAFailedDeliverySendsTheSamePayloadWithTheSameKeyAndRecordsNewAttempts()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var partner = await FakePartner.StartAsync();
        await using var host = await ImpactInApi.StartAsync(db, partner);
        var api = new ImpactInApi(host);
        partner.Answer(new ScriptedAnswer(422, """{"error":"programId unknown"}"""));
        var company = await ImpactData.CompanyWithSessionsAsync(db.DataSource, LastMonth.FromUtc);
        var token = ImpactInApi.AdminOf(company);
        var delivery = await host.RunNowAsync(company, Platforms.Benevity);
        await host.WaitForSuccessAsync(delivery.InstanceId);
        // Data changes after the first send must not change what a replay sends.
        await ImpactData.CompanyWithSessionsAsync(db.DataSource, LastMonth.FromUtc);
        await ImpactData.ScalarAsync<int>(db.DataSource, "UPDATE impact.kintell_sessions SET duration_minutes = 500 RETURNING 1");

        var replay = await api.CallAsync(ImpactInApi.Request("POST", $"/v1/impact-in/deliveries/{delivery.Id}/replay", token),
            r => api.Deliveries.ImpactInReplayDelivery(r, delivery.Id.ToString(), host.Client, CancellationToken.None));
        await host.WaitForSuccessAsync(replay.Json.GetProperty("instanceId").GetString()!);
        var again = await api.CallAsync(ImpactInApi.Request("POST", $"/v1/impact-in/deliveries/{delivery.Id}/replay", token),
            r => api.Deliveries.ImpactInReplayDelivery(r, delivery.Id.ToString(), host.Client, CancellationToken.None));
        var detail = await api.CallAsync(ImpactInApi.Request("GET", $"/v1/impact-in/deliveries/{delivery.Id}", token),
            r => api.Deliveries.ImpactInGetDelivery(r, delivery.Id.ToString(), CancellationToken.None));

        Assert.Equal(202, replay.Status);
        var requests = partner.Requests;
        Assert.Equal(2, requests.Count);
        Assert.Equal(requests[0].Body, requests[1].Body);
        Assert.Equal(delivery.IdempotencyKey, requests[0].Header("Idempotency-Key"));
        Assert.Equal(delivery.IdempotencyKey, requests[1].Header("Idempotency-Key"));
        Assert.Equal(409, again.Status);
        Assert.Contains("is succeeded; only a failed delivery can be replayed", again.Json.GetProperty("detail").GetString());
        Assert.Equal("succeeded", detail.Json.GetProperty("delivery").GetProperty("status").GetString());
        Assert.Equal(1, detail.Json.GetProperty("delivery").GetProperty("replayCount").GetInt32());
        var attempts = detail.Json.GetProperty("attempts").EnumerateArray().ToList();
        Assert.Equal([(1, 422, "final"), (2, 200, "succeeded")],
            attempts.Select(a => (a.GetProperty("attempt").GetInt32(), a.GetProperty("statusCode").GetInt32(), a.GetProperty("outcome").GetString())));
        Assert.Equal([delivery.InstanceId, replay.Json.GetProperty("instanceId").GetString()], attempts.Select(a => a.GetProperty("instanceId").GetString()));
        Assert.Contains("programId unknown", attempts[0].GetProperty("responseExcerpt").GetString());
        Assert.Equal(1, await ImpactData.ScalarAsync<int>(db.DataSource,
            "SELECT count(*) FROM impact.audit_log WHERE action = 'impact_in.delivery.replay' AND subject = @id", new { id = delivery.Id.ToString() }));
        Assert.Equal(("admin-1", company), Assert.Single(await ImpactData.QueryAsync<(string, Guid)>(db.DataSource,
            "SELECT performed_by, company_id FROM impact.audit_log WHERE action = 'impact_in.delivery.replay' AND subject = @id", new { id = delivery.Id.ToString() })));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(101)]
    public async Task BulkReplayRejectsNoIdsOrMoreThanAHundredWithAClearBadRequest(int count)
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var partner = await FakePartner.StartAsync();
        await using var host = await ImpactInApi.StartAsync(db, partner);
        var api = new ImpactInApi(host);
        var token = ImpactInApi.OperatorToken;

        var response = await api.CallAsync(
            ImpactInApi.Request("POST", "/v1/impact-in/deliveries/bulk-replay", token, new { ids = Enumerable.Range(0, count).Select(_ => Guid.NewGuid()) }),
            r => api.Deliveries.ImpactInBulkReplay(r, host.Client, CancellationToken.None));

        Assert.Equal(400, response.Status);
        Assert.Equal("application/problem+json", response.ContentType);
        Assert.Equal($"Give between 1 and 100 delivery ids in 'ids'; got {count}.", response.Json.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task BulkReplayQueuesFailedDeliveriesAndSaysWhyOthersWereNot()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var partner = await FakePartner.StartAsync();
        await using var host = await ImpactInApi.StartAsync(db, partner);
        var api = new ImpactInApi(host);
        var token = ImpactInApi.OperatorToken;
        partner.Answer(new ScriptedAnswer(400));
        var failed = await host.RunNowAsync(await ImpactData.CompanyWithSessionsAsync(db.DataSource, LastMonth.FromUtc), Platforms.Goodera);
        await host.WaitForSuccessAsync(failed.InstanceId);
        var succeeded = await host.RunNowAsync(await ImpactData.CompanyWithSessionsAsync(db.DataSource, LastMonth.FromUtc), Platforms.Goodera);
        await host.WaitForSuccessAsync(succeeded.InstanceId);
        var missing = Guid.NewGuid();

        var response = await api.CallAsync(
            ImpactInApi.Request("POST", "/v1/impact-in/deliveries/bulk-replay", token, new { ids = new[] { failed.Id, succeeded.Id, missing } }),
            r => api.Deliveries.ImpactInBulkReplay(r, host.Client, CancellationToken.None));

        Assert.Equal(202, response.Status);
        Assert.Equal(1, response.Json.GetProperty("queued").GetInt32());
        var results = response.Json.GetProperty("results").EnumerateArray()
            .ToDictionary(r => r.GetProperty("deliveryId").GetGuid(), r => r.GetProperty("result").GetString());
        Assert.Equal("queued", results[failed.Id]);
        Assert.Equal("not_failed", results[succeeded.Id]);
        Assert.Equal("not_found", results[missing]);
        await host.WaitForSuccessAsync(response.Json.GetProperty("results")[0].GetProperty("instanceId").GetString()!);
        Assert.Equal(3, partner.Requests.Count);
    }

    [Fact]
    public async Task RetryAllFailedReplaysEveryFailedDeliveryAndStatsShowTheOutcome()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var partner = await FakePartner.StartAsync();
        await using var host = await ImpactInApi.StartAsync(db, partner);
        var api = new ImpactInApi(host);
        var token = ImpactInApi.OperatorToken;
        partner.Answer(new ScriptedAnswer(403), new ScriptedAnswer(403));
        var one = await host.RunNowAsync(await ImpactData.CompanyWithSessionsAsync(db.DataSource, LastMonth.FromUtc), Platforms.Benevity);
        await host.WaitForSuccessAsync(one.InstanceId);
        var two = await host.RunNowAsync(await ImpactData.CompanyWithSessionsAsync(db.DataSource, LastMonth.FromUtc), Platforms.Benevity);
        await host.WaitForSuccessAsync(two.InstanceId);

        var before = await api.CallAsync(ImpactInApi.Request("GET", "/v1/impact-in/stats", token), r => api.Deliveries.ImpactInStats(r, CancellationToken.None));
        var retry = await api.CallAsync(ImpactInApi.Request("POST", "/v1/impact-in/deliveries/retry-all-failed", token),
            r => api.Deliveries.ImpactInRetryAllFailed(r, host.Client, CancellationToken.None));
        foreach (var d in retry.Json.GetProperty("deliveries").EnumerateArray())
        {
            await host.WaitForSuccessAsync(d.GetProperty("instanceId").GetString()!);
        }

        var after = await api.CallAsync(ImpactInApi.Request("GET", "/v1/impact-in/stats", token), r => api.Deliveries.ImpactInStats(r, CancellationToken.None));

        Assert.Equal(202, retry.Status);
        Assert.Equal(2, retry.Json.GetProperty("queued").GetInt32());
        var benevityBefore = before.Json.GetProperty("platforms")[0];
        Assert.Equal(("benevity", 2, 0.0, 1.0), (benevityBefore.GetProperty("platform").GetString(), benevityBefore.GetProperty("count").GetInt32(),
            benevityBefore.GetProperty("successRate").GetDouble(), benevityBefore.GetProperty("meanAttempts").GetDouble()));
        var benevityAfter = after.Json.GetProperty("platforms")[0];
        Assert.Equal((2, 1.0, 2.0), (benevityAfter.GetProperty("count").GetInt32(),
            benevityAfter.GetProperty("successRate").GetDouble(), benevityAfter.GetProperty("meanAttempts").GetDouble()));
        var goodera = after.Json.GetProperty("platforms")[1];
        Assert.Equal(("goodera", 0), (goodera.GetProperty("platform").GetString(), goodera.GetProperty("count").GetInt32()));
        Assert.False(goodera.TryGetProperty("successRate", out _)); // no finished deliveries: no rate rather than 0
    }

    [Fact]
    public async Task TheDeliveriesListFiltersAndPagesAndRefusesALimitAbove100()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var partner = await FakePartner.StartAsync();
        await using var host = await ImpactInApi.StartAsync(db, partner);
        var api = new ImpactInApi(host);
        var token = ImpactInApi.OperatorToken;
        var store = host.Services.GetRequiredService<DeliveryStore>();
        var schedules = host.Services.GetRequiredService<ScheduleStore>();
        var companies = new List<Guid>();
        for (var i = 0; i < 3; i++)
        {
            var company = await ImpactData.CompanyAsync(db.DataSource, $"Company {i}");
            companies.Add(company);
            foreach (var platform in new[] { Platforms.Benevity, Platforms.Goodera })
            {
                // Deliveries created, their orchestrations deliberately not started: they stay pending.
                var schedule = await schedules.CreateAsync(new NewSchedule(company, platform, ScheduleSpec.Parse("monthly", "UTC", null, out _), null, null, true),
                    ImpactInDurable.Setup);
                await store.CreateRunNowAsync(schedule, ImpactInDurable.Setup);
            }
        }

        var page2 = await api.CallAsync(ImpactInApi.Request("GET", "/v1/impact-in/deliveries", token, query: "platform=goodera&status=pending&limit=2&page=2"),
            r => api.Deliveries.ImpactInListDeliveries(r, CancellationToken.None));
        var ofCompany = await api.CallAsync(ImpactInApi.Request("GET", "/v1/impact-in/deliveries", token, query: $"companyId={companies[1]}"),
            r => api.Deliveries.ImpactInListDeliveries(r, CancellationToken.None));
        var future = await api.CallAsync(ImpactInApi.Request("GET", "/v1/impact-in/deliveries", token, query: "from=2999-01-01"),
            r => api.Deliveries.ImpactInListDeliveries(r, CancellationToken.None));
        var tooMany = await api.CallAsync(ImpactInApi.Request("GET", "/v1/impact-in/deliveries", token, query: "limit=101&status=lost"),
            r => api.Deliveries.ImpactInListDeliveries(r, CancellationToken.None));
        var unknown = Guid.NewGuid();
        var notFound = await api.CallAsync(ImpactInApi.Request("GET", $"/v1/impact-in/deliveries/{unknown}", token),
            r => api.Deliveries.ImpactInGetDelivery(r, unknown.ToString(), CancellationToken.None));

        Assert.Equal(200, page2.Status);
        Assert.Equal(3, page2.Json.GetProperty("total").GetInt64());
        var item = Assert.Single(page2.Json.GetProperty("items").EnumerateArray());
        Assert.Equal("goodera", item.GetProperty("platform").GetString());
        Assert.Equal(2, ofCompany.Json.GetProperty("items").GetArrayLength());
        Assert.All(ofCompany.Json.GetProperty("items").EnumerateArray(), d => Assert.Equal(companies[1], d.GetProperty("companyId").GetGuid()));
        Assert.Equal(0, future.Json.GetProperty("total").GetInt64());
        Assert.Equal(400, tooMany.Status);
        Assert.Contains("from 1 to 100", tooMany.Json.GetProperty("errors").GetProperty("limit")[0].GetString());
        Assert.Contains("'lost' is not a status", tooMany.Json.GetProperty("errors").GetProperty("status")[0].GetString());
        Assert.Equal(404, notFound.Status);
    }
}
