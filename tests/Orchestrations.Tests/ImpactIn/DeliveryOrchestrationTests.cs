using Impact.Orchestrations.ImpactIn;
using System.Text.Json;
using System.Text.Json.Nodes;
using Impact.TestSupport;
using Impact.TestSupport.ImpactIn;
using Impact.Shared.ImpactIn;
using Microsoft.Extensions.DependencyInjection;

namespace Impact.Orchestrations.Tests.ImpactIn;

public sealed class DeliveryOrchestrationTests
{
    // Run-now reports on the complete month before now (UTC schedules here).
    private static readonly ReportingPeriod LastMonth = ReportingPeriod.Previous(DateTimeOffset.UtcNow, TimeZoneInfo.Utc, PeriodKind.Month);

    [Fact]
    public async Task BenevityDeliverySucceedsOnTheFirstAttemptWithTokenKeyAndRealMetrics()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var partner = await FakePartner.StartAsync();
        await using var host = await ImpactInDurable.StartAsync(db, partner);
        var company = await ImpactData.CompanyWithSessionsAsync(db.DataSource, LastMonth.FromUtc);

        var delivery = await host.RunNowAsync(company, Platforms.Benevity);
        var result = await host.WaitForSuccessAsync(delivery.InstanceId);

        Assert.Equal("Completed", result.RuntimeStatus.ToString());
        var request = Assert.Single(partner.Requests);
        Assert.Equal("/benevity/api/v1/impact-reports", request.Path);
        Assert.Equal("Bearer token-1", request.Header("Authorization"));
        Assert.Equal(delivery.IdempotencyKey, request.Header("Idempotency-Key"));
        var body = JsonNode.Parse(request.Body)!;
        Assert.Equal(company.ToString(), (string?)body["organizationId"]);
        Assert.Equal(LastMonth.Start.ToString("yyyy-MM-dd"), (string?)body["reportingPeriod"]!["startDate"]);
        Assert.Equal(LastMonth.End.ToString("yyyy-MM-dd"), (string?)body["reportingPeriod"]!["endDate"]);
        var metrics = body["metrics"]!.AsArray().ToDictionary(m => (string)m!["metricType"]!, m => (decimal)m!["metricValue"]!);
        Assert.Equal(2.5m, metrics["volunteer_hours"]);        // 150 minutes
        Assert.Equal(2m, metrics["participant_count"]);
        Assert.Equal(2m, metrics["program_participation"]);    // two volunteers
        Assert.Equal(0.62m, metrics["outcome_score"]);         // mean of the two feedback texts' ten dimension scores, not the ratings (0.75)

        var attempts = await ImpactData.QueryAsync<(int StatusCode, string Outcome)>(db.DataSource,
            "SELECT status_code, outcome FROM impact.impact_delivery_attempts WHERE delivery_id = @id", new { id = delivery.Id });
        Assert.Equal([(200, "succeeded")], attempts);
        Assert.Equal("succeeded", await ImpactData.ScalarAsync<string>(db.DataSource,
            "SELECT status FROM impact.impact_deliveries WHERE id = @id", new { id = delivery.Id }));
        Assert.Equal(1, await ImpactData.ScalarAsync<int>(db.DataSource,
            "SELECT count(*) FROM impact.events WHERE type = 'impact.delivery.succeeded' AND company_id = @company AND correlation_id = @id",
            new { company, id = delivery.Id.ToString() }));
    }

    [Fact]
    public async Task TwoServerErrorsThenSuccessWaitAtLeastTheBackoffAndRecordThreeAttemptsUnderOneIdempotencyKey()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var partner = await FakePartner.StartAsync();
        await using var host = await ImpactInDurable.StartAsync(db, partner, new Dictionary<string, string?>
        {
            ["ImpactIn:BackoffBase"] = "00:00:01",
            ["ImpactIn:BackoffFactor"] = "2",
            ["ImpactIn:MaxAttempts"] = "3",
        });
        partner.Answer(new ScriptedAnswer(503, """{"error":"maintenance"}"""), new ScriptedAnswer(500, "oops"), new ScriptedAnswer(200));
        var company = await ImpactData.CompanyWithSessionsAsync(db.DataSource, LastMonth.FromUtc);

        var delivery = await host.RunNowAsync(company, Platforms.Benevity);
        await host.WaitForSuccessAsync(delivery.InstanceId);

        var requests = partner.Requests;
        Assert.Equal(3, requests.Count);
        Assert.True(requests[1].ReceivedAt - requests[0].ReceivedAt >= TimeSpan.FromSeconds(1), "second attempt came before the 1 s backoff");
        Assert.True(requests[2].ReceivedAt - requests[1].ReceivedAt >= TimeSpan.FromSeconds(2), "third attempt came before the 2 s backoff");
        Assert.All(requests, r => Assert.Equal(delivery.IdempotencyKey, r.Header("Idempotency-Key")));
        Assert.All(requests, r => Assert.Equal(requests[0].Body, r.Body));

        var attempts = await ImpactData.QueryAsync<(int Attempt, int StatusCode, string Outcome, string? Error, string? ResponseExcerpt)>(db.DataSource,
            "SELECT attempt, status_code, outcome, error, response_excerpt FROM impact.impact_delivery_attempts WHERE delivery_id = @id ORDER BY attempt",
            new { id = delivery.Id });
        Assert.Equal([1, 2, 3], attempts.Select(a => a.Attempt));
        Assert.Equal([503, 500, 200], attempts.Select(a => a.StatusCode));
        Assert.Equal(["retryable", "retryable", "succeeded"], attempts.Select(a => a.Outcome));
        Assert.Contains("503", attempts[0].Error);
        Assert.Equal("""{"error":"maintenance"}""", attempts[0].ResponseExcerpt);
        Assert.Equal((3, "succeeded"), await AttemptsAndStatus(db, delivery.Id));
    }

    [Fact]
    public async Task BadRequestIsFinalAndNotRetried()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var partner = await FakePartner.StartAsync();
        await using var host = await ImpactInDurable.StartAsync(db, partner);
        partner.Answer(new ScriptedAnswer(400, """{"error":"unknown projectId"}"""));
        var company = await ImpactData.CompanyWithSessionsAsync(db.DataSource, LastMonth.FromUtc);

        var delivery = await host.RunNowAsync(company, Platforms.Goodera);
        await host.WaitForSuccessAsync(delivery.InstanceId);

        var request = Assert.Single(partner.Requests);
        Assert.Equal(FakePartner.ApiKey, request.Header("X-API-Key"));
        var attempt = Assert.Single(await ImpactData.QueryAsync<(int StatusCode, string Outcome, string ResponseExcerpt)>(db.DataSource,
            "SELECT status_code, outcome, response_excerpt FROM impact.impact_delivery_attempts WHERE delivery_id = @id", new { id = delivery.Id }));
        Assert.Equal((400, "final"), (attempt.StatusCode, attempt.Outcome));
        Assert.Contains("unknown projectId", attempt.ResponseExcerpt);
        Assert.Equal((1, "failed"), await AttemptsAndStatus(db, delivery.Id));
        var failed = await ImpactData.ScalarAsync<string>(db.DataSource,
            "SELECT data::text FROM impact.events WHERE type = 'impact.delivery.failed' AND correlation_id = @id", new { id = delivery.Id.ToString() });
        Assert.Contains("400", JsonDocument.Parse(failed).RootElement.GetProperty("error").GetString());
    }

    [Fact]
    public async Task TooManyRequestsWithRetryAfterWaitsAtLeastThatLong()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var partner = await FakePartner.StartAsync();
        await using var host = await ImpactInDurable.StartAsync(db, partner, new Dictionary<string, string?> { ["ImpactIn:BackoffBase"] = "00:00:00.100" });
        partner.Answer(new ScriptedAnswer(429, "slow down", new Dictionary<string, string> { ["Retry-After"] = "2" }), new ScriptedAnswer(200));
        var company = await ImpactData.CompanyWithSessionsAsync(db.DataSource, LastMonth.FromUtc);

        var delivery = await host.RunNowAsync(company, Platforms.Benevity);
        await host.WaitForSuccessAsync(delivery.InstanceId);

        var requests = partner.Requests;
        Assert.Equal(2, requests.Count);
        Assert.True(requests[1].ReceivedAt - requests[0].ReceivedAt >= TimeSpan.FromSeconds(2), "retried before Retry-After: 2 had passed");
        Assert.Equal((2, "succeeded"), await AttemptsAndStatus(db, delivery.Id));
    }

    [Fact]
    public async Task RetryableFailuresUntilTheLastAttemptFailTheDeliveryWithAnEvent()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var partner = await FakePartner.StartAsync();
        await using var host = await ImpactInDurable.StartAsync(db, partner);
        partner.Answer(new ScriptedAnswer(503), new ScriptedAnswer(408), new ScriptedAnswer(502));
        var company = await ImpactData.CompanyWithSessionsAsync(db.DataSource, LastMonth.FromUtc);

        var delivery = await host.RunNowAsync(company, Platforms.Benevity);
        await host.WaitForSuccessAsync(delivery.InstanceId);

        Assert.Equal(3, partner.Requests.Count);
        Assert.Equal((3, "failed"), await AttemptsAndStatus(db, delivery.Id));
        Assert.Equal(1, await ImpactData.ScalarAsync<int>(db.DataSource,
            "SELECT count(*) FROM impact.events WHERE type = 'impact.delivery.failed' AND correlation_id = @id", new { id = delivery.Id.ToString() }));
        Assert.Equal("failed", await ImpactData.ScalarAsync<string>(db.DataSource,
            "SELECT last_status FROM impact.scheduled_deliveries WHERE company_id = @company", new { company }));
    }

    [Fact]
    public async Task OAuthTokenIsFetchedOnceAndReusedAcrossAttemptsAndDeliveries()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var partner = await FakePartner.StartAsync();
        await using var host = await ImpactInDurable.StartAsync(db, partner);
        partner.Answer(new ScriptedAnswer(503), new ScriptedAnswer(200), new ScriptedAnswer(200));
        var first = await ImpactData.CompanyWithSessionsAsync(db.DataSource, LastMonth.FromUtc);
        var second = await ImpactData.CompanyWithSessionsAsync(db.DataSource, LastMonth.FromUtc);

        var one = await host.RunNowAsync(first, Platforms.Workday);
        await host.WaitForSuccessAsync(one.InstanceId);
        var two = await host.RunNowAsync(second, Platforms.Workday);
        await host.WaitForSuccessAsync(two.InstanceId);

        Assert.Equal(1, partner.TokenRequests);
        Assert.Equal(3, partner.Requests.Count);
        Assert.All(partner.Requests, r =>
        {
            Assert.Equal("/workday/api/v1/volunteer-activities", r.Path);
            Assert.Equal("Bearer token-1", r.Header("Authorization"));
            Assert.Equal(FakePartner.Tenant, r.Header("X-Workday-Tenant"));
        });
    }

    [Fact]
    public async Task GooderaSendsImpactDimensionsInBatchesOfAtMostTheConfiguredSize()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var partner = await FakePartner.StartAsync();
        await using var host = await ImpactInDurable.StartAsync(db, partner, new Dictionary<string, string?> { ["ImpactIn:Goodera:MaxRecordsPerRequest"] = "2" });
        var company = await ImpactData.CompanyWithSessionsAsync(db.DataSource, LastMonth.FromUtc);

        var delivery = await host.RunNowAsync(company, Platforms.Goodera);
        await host.WaitForSuccessAsync(delivery.InstanceId);

        var stored = JsonNode.Parse(await ImpactData.ScalarAsync<string>(db.DataSource,
            "SELECT payload FROM impact.impact_deliveries WHERE id = @id", new { id = delivery.Id }))!;
        var all = stored["impactDimensions"]!.AsArray().Select(d => d!.ToJsonString()).ToList();
        Assert.Equal(12, all.Count); // 4 totals, 2 session types, the outcome score and its 5 dimensions
        Assert.Equal(0.825m, all.Select(d => JsonNode.Parse(d)!).Single(d => (string?)d["dimensionId"] == "outcome_well_being")!["value"]!.GetValue<decimal>());
        var requests = partner.Requests;
        Assert.Equal(6, requests.Count);
        Assert.All(requests, r => Assert.True(JsonNode.Parse(r.Body)!["impactDimensions"]!.AsArray().Count <= 2));
        Assert.Equal(all, requests.SelectMany(r => JsonNode.Parse(r.Body)!["impactDimensions"]!.AsArray().Select(d => d!.ToJsonString())));
        Assert.Equal(Enumerable.Range(1, 6).Select(i => $"{delivery.IdempotencyKey}-{i}"), requests.Select(r => r.Header("Idempotency-Key")));
        Assert.Equal((1, "succeeded"), await AttemptsAndStatus(db, delivery.Id));
    }

    [Fact]
    public async Task GooderaRequestsArePacedToTheConfiguredRate()
    {
        // 2 requests per 2-second window, 2 records per request: 12 dimensions (seven activity figures and the five outcome
        // dimensions) need 6 requests, so the third and fifth wait for the window.
        await using var db = await TestDatabase.CreateAsync();
        await using var partner = await FakePartner.StartAsync();
        await using var host = await ImpactInDurable.StartAsync(db, partner, new Dictionary<string, string?>
        {
            ["ImpactIn:Goodera:MaxRecordsPerRequest"] = "2",
            ["ImpactIn:Goodera:RequestsPerMinute"] = "2",
            ["ImpactIn:Goodera:RateWindow"] = "00:00:02",
        });
        var company = await ImpactData.CompanyWithSessionsAsync(db.DataSource, LastMonth.FromUtc);

        var delivery = await host.RunNowAsync(company, Platforms.Goodera);
        await host.WaitForSuccessAsync(delivery.InstanceId);

        var requests = partner.Requests;
        Assert.Equal(6, requests.Count);
        // The sliding window moves in sixths, so a permit comes back after at least 5/6 of the window.
        for (var i = 2; i < requests.Count; i++)
        {
            Assert.True(requests[i].ReceivedAt - requests[i - 2].ReceivedAt >= TimeSpan.FromSeconds(1.6), "more than 2 requests in one window");
        }
    }

    [Fact]
    public async Task StartingAFinishedDeliveryAgainOrFromAnInstanceThatDoesNotOwnItSendsNothing()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var partner = await FakePartner.StartAsync();
        await using var host = await ImpactInDurable.StartAsync(db, partner);
        var company = await ImpactData.CompanyWithSessionsAsync(db.DataSource, LastMonth.FromUtc);
        var delivery = await host.RunNowAsync(company, Platforms.Benevity);
        await host.WaitForSuccessAsync(delivery.InstanceId);
        var options = host.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ImpactInOptions>>().Value;

        var restarted = await host.Client.StartDeliveryAsync(new DeliveryStart(delivery.Id, delivery.InstanceId), options);
        // E.g. a stale start arriving after a replay took the delivery over under another instance id.
        var intruder = new DeliveryStart(delivery.Id, delivery.InstanceId + "-other");
        await host.Client.StartDeliveryAsync(intruder, options);
        var intruderResult = await host.WaitForSuccessAsync(intruder.InstanceId);

        Assert.False(restarted);
        Assert.Contains("skipped", intruderResult.SerializedOutput);
        Assert.Single(partner.Requests);
        Assert.Equal((1, "succeeded"), await AttemptsAndStatus(db, delivery.Id));
    }

    [Fact]
    public async Task ATokenRejectedWith401IsDroppedAndTheNextDeliveryFetchesANewOne()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var partner = await FakePartner.StartAsync();
        await using var host = await ImpactInDurable.StartAsync(db, partner);
        partner.Answer(new ScriptedAnswer(401, """{"error":"invalid_token"}"""));
        var first = await host.RunNowAsync(await ImpactData.CompanyWithSessionsAsync(db.DataSource, LastMonth.FromUtc), Platforms.Benevity);
        await host.WaitForSuccessAsync(first.InstanceId);
        var second = await host.RunNowAsync(await ImpactData.CompanyWithSessionsAsync(db.DataSource, LastMonth.FromUtc), Platforms.Benevity);
        await host.WaitForSuccessAsync(second.InstanceId);

        Assert.Equal(2, partner.TokenRequests);
        Assert.Equal(["Bearer token-1", "Bearer token-2"], partner.Requests.Select(r => r.Header("Authorization")));
        Assert.Equal((1, "failed"), await AttemptsAndStatus(db, first.Id)); // 401 is final, like any 4xx but 408/429
        Assert.Equal((1, "succeeded"), await AttemptsAndStatus(db, second.Id));
    }

    [Fact]
    public async Task APlatformWithoutSettingsFailsItsDeliveryWithAMessageNamingThem()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var partner = await FakePartner.StartAsync();
        await using var host = await ImpactInDurable.StartAsync(db, partner, new Dictionary<string, string?> { ["ImpactIn:Workday:Tenant"] = null });
        var company = await ImpactData.CompanyWithSessionsAsync(db.DataSource, LastMonth.FromUtc);

        var delivery = await host.RunNowAsync(company, Platforms.Workday);
        await host.WaitForSuccessAsync(delivery.InstanceId);

        Assert.Empty(partner.Requests);
        Assert.Equal((1, "failed"), await AttemptsAndStatus(db, delivery.Id));
        Assert.Contains("Workday is not configured: set ImpactIn:Workday:BaseUrl, TokenUrl, ClientId, ClientSecret and Tenant",
            await ImpactData.ScalarAsync<string>(db.DataSource, "SELECT last_error FROM impact.impact_deliveries WHERE id = @id", new { id = delivery.Id }));
    }

    private static async Task<(int Attempts, string Status)> AttemptsAndStatus(TestDatabase db, Guid id) =>
        (await ImpactData.QueryAsync<(int, string)>(db.DataSource,
            "SELECT attempt_count, status FROM impact.impact_deliveries WHERE id = @id", new { id })).Single();
}
