using Impact.Shared.ImpactIn;
using Impact.Shared.Security;
using Impact.TestSupport;
using Impact.TestSupport.ImpactIn;
using Impact.TestSupport.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Impact.Ingest.Tests.ImpactIn;

/// <summary>Company scoping, roles and audit of the Impact-In API, through the declared policies with real tokens.</summary>
public sealed class ImpactInAccessTests
{
    private static readonly ReportingPeriod LastMonth = ReportingPeriod.Previous(DateTimeOffset.UtcNow, TimeZoneInfo.Utc, PeriodKind.Month);

    [Fact]
    public async Task AnotherCompanysSchedulesAndDeliveriesAnswerAsUnknownIdsAndListsShowNoneOfThem()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var partner = await FakePartner.StartAsync();
        await using var host = await ImpactInApi.StartAsync(db, partner);
        var api = new ImpactInApi(host);
        partner.Answer(new ScriptedAnswer(400)); // A's delivery fails, so a replay of it would be allowed for A
        var a = await ImpactData.CompanyWithSessionsAsync(db.DataSource, LastMonth.FromUtc);
        var b = await ImpactData.CompanyAsync(db.DataSource, "Company B");
        var adminA = ImpactInApi.AdminOf(a, "admin-a");
        var adminB = ImpactInApi.AdminOf(b, "admin-b");
        var created = await api.CallAsync(
            ImpactInApi.Request("POST", "/v1/impact-in/schedules", adminA, new { platform = "benevity", schedule = "monthly", timeZone = "UTC" }),
            r => api.Schedules.ImpactInCreateSchedule(r, CancellationToken.None));
        var schedule = created.Json.GetProperty("id").GetGuid();
        var run = await api.CallAsync(ImpactInApi.Request("POST", $"/v1/impact-in/schedules/{schedule}/run-now", adminA),
            r => api.Schedules.ImpactInRunScheduleNow(r, schedule.ToString(), host.Client, CancellationToken.None));
        await host.WaitForSuccessAsync(run.Json.GetProperty("instanceId").GetString()!);
        var delivery = run.Json.GetProperty("id").GetGuid();
        var unknown = Guid.NewGuid();

        // B's administrator on A's schedule, and on an id that does not exist: the same answers.
        async Task<(TestResponse Theirs, TestResponse Unknown)> Both(string method, string path, Func<Guid, Func<HttpRequest, Task<IActionResult>>> call,
            Guid id, object? body = null) =>
            (await api.CallAsync(ImpactInApi.Request(method, path.Replace("{id}", id.ToString()), adminB, body), call(id)),
             await api.CallAsync(ImpactInApi.Request(method, path.Replace("{id}", unknown.ToString()), adminB, body), call(unknown)));

        var answers = new Dictionary<string, (TestResponse Theirs, TestResponse Unknown)>
        {
            ["get schedule"] = await Both("GET", "/v1/impact-in/schedules/{id}", id => r => api.Schedules.ImpactInGetSchedule(r, id.ToString(), CancellationToken.None), schedule),
            ["patch schedule"] = await Both("PATCH", "/v1/impact-in/schedules/{id}", id => r => api.Schedules.ImpactInUpdateSchedule(r, id.ToString(), CancellationToken.None),
                schedule, new { active = false }),
            ["preview"] = await Both("GET", "/v1/impact-in/schedules/{id}/preview", id => r => api.Schedules.ImpactInPreviewSchedule(r, id.ToString(), CancellationToken.None), schedule),
            ["run-now"] = await Both("POST", "/v1/impact-in/schedules/{id}/run-now",
                id => r => api.Schedules.ImpactInRunScheduleNow(r, id.ToString(), host.Client, CancellationToken.None), schedule),
            ["delete schedule"] = await Both("DELETE", "/v1/impact-in/schedules/{id}", id => r => api.Schedules.ImpactInDeleteSchedule(r, id.ToString(), CancellationToken.None), schedule),
            ["get delivery"] = await Both("GET", "/v1/impact-in/deliveries/{id}", id => r => api.Deliveries.ImpactInGetDelivery(r, id.ToString(), CancellationToken.None), delivery),
            ["replay"] = await Both("POST", "/v1/impact-in/deliveries/{id}/replay",
                id => r => api.Deliveries.ImpactInReplayDelivery(r, id.ToString(), host.Client, CancellationToken.None), delivery),
            // A schedule reporting A's metrics, asked for by B's administrator, next to one for a company that does not exist.
            ["create for A"] = (
                await api.CallAsync(ImpactInApi.Request("POST", "/v1/impact-in/schedules", adminB, new { companyId = a, platform = "goodera", schedule = "monthly", timeZone = "UTC" }),
                    r => api.Schedules.ImpactInCreateSchedule(r, CancellationToken.None)),
                await api.CallAsync(ImpactInApi.Request("POST", "/v1/impact-in/schedules", adminB, new { companyId = unknown, platform = "goodera", schedule = "monthly", timeZone = "UTC" }),
                    r => api.Schedules.ImpactInCreateSchedule(r, CancellationToken.None))),
        };

        var schedulesOfB = await api.CallAsync(ImpactInApi.Request("GET", "/v1/impact-in/schedules", adminB), r => api.Schedules.ImpactInListSchedules(r, CancellationToken.None));
        var schedulesOfBAskingForA = await api.CallAsync(ImpactInApi.Request("GET", "/v1/impact-in/schedules", adminB, query: $"companyId={a}"),
            r => api.Schedules.ImpactInListSchedules(r, CancellationToken.None));
        var deliveriesOfB = await api.CallAsync(ImpactInApi.Request("GET", "/v1/impact-in/deliveries", adminB, query: $"companyId={a}"),
            r => api.Deliveries.ImpactInListDeliveries(r, CancellationToken.None));
        var deliveriesOfBUnfiltered = await api.CallAsync(ImpactInApi.Request("GET", "/v1/impact-in/deliveries", adminB),
            r => api.Deliveries.ImpactInListDeliveries(r, CancellationToken.None));
        var statsOfB = await api.CallAsync(ImpactInApi.Request("GET", "/v1/impact-in/stats", adminB, query: $"companyId={a}"),
            r => api.Deliveries.ImpactInStats(r, CancellationToken.None));
        var statsOfA = await api.CallAsync(ImpactInApi.Request("GET", "/v1/impact-in/stats", adminA), r => api.Deliveries.ImpactInStats(r, CancellationToken.None));
        var operatorSees = await api.CallAsync(ImpactInApi.Request("GET", "/v1/impact-in/deliveries", ImpactInApi.OperatorToken, query: $"companyId={a}"),
            r => api.Deliveries.ImpactInListDeliveries(r, CancellationToken.None));

        foreach (var (what, (theirs, unknownOne)) in answers)
        {
            Assert.True(theirs.Status == 404, $"{what}: {theirs.Status} {theirs.Body}");
            Assert.Equal("application/problem+json", theirs.ContentType);
            Assert.Equal(404, unknownOne.Status);
            Assert.Equal(unknownOne.Json.GetProperty("title").GetString(), theirs.Json.GetProperty("title").GetString());
            var id = what == "create for A" ? a : what.EndsWith("delivery") || what == "replay" ? delivery : schedule;
            Assert.Equal(unknownOne.Json.GetProperty("detail").GetString()!.Replace(unknown.ToString(), id.ToString()), theirs.Json.GetProperty("detail").GetString());
        }

        Assert.Equal(0, schedulesOfB.Json.GetProperty("items").GetArrayLength());
        Assert.Equal(0, schedulesOfBAskingForA.Json.GetProperty("items").GetArrayLength());
        Assert.Equal(0, deliveriesOfB.Json.GetProperty("total").GetInt64());
        Assert.Equal(0, deliveriesOfBUnfiltered.Json.GetProperty("total").GetInt64());
        Assert.All(statsOfB.Json.GetProperty("platforms").EnumerateArray(), p => Assert.Equal(0, p.GetProperty("count").GetInt32()));
        Assert.Equal(1, statsOfA.Json.GetProperty("platforms")[0].GetProperty("count").GetInt32());
        Assert.Equal([delivery], operatorSees.Json.GetProperty("items").EnumerateArray().Select(d => d.GetProperty("id").GetGuid()));
        // Nothing of A's changed, nothing was sent again, and B's administrator is in no audit row.
        Assert.Equal((true, 1), Assert.Single(await ImpactData.QueryAsync<(bool, int)>(db.DataSource,
            "SELECT active, (SELECT count(*)::int FROM impact.scheduled_deliveries) FROM impact.scheduled_deliveries WHERE id = @schedule", new { schedule })));
        Assert.Equal(("failed", 0), Assert.Single(await ImpactData.QueryAsync<(string, int)>(db.DataSource,
            "SELECT status, replay_count FROM impact.impact_deliveries WHERE id = @delivery", new { delivery })));
        Assert.Single(partner.Requests);
        Assert.Equal(0, await ImpactData.ScalarAsync<int>(db.DataSource, "SELECT count(*)::int FROM impact.audit_log WHERE performed_by = 'admin-b'"));
    }

    [Fact]
    public async Task ACompanyAdministratorCannotBulkReplayOrRetryAllAndOtherRolesCannotUseImpactIn()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var partner = await FakePartner.StartAsync();
        await using var host = await ImpactInApi.StartAsync(db, partner);
        var api = new ImpactInApi(host);
        var company = await ImpactData.CompanyAsync(db.DataSource);
        var admin = ImpactInApi.AdminOf(company);
        var officer = TestTokens.LocalToken(new TokenClaims("officer-1", company, [Roles.PrivacyOfficer]));

        var bulk = await api.CallAsync(ImpactInApi.Request("POST", "/v1/impact-in/deliveries/bulk-replay", admin, new { ids = new[] { Guid.NewGuid() } }),
            r => api.Deliveries.ImpactInBulkReplay(r, host.Client, CancellationToken.None));
        var retryAll = await api.CallAsync(ImpactInApi.Request("POST", "/v1/impact-in/deliveries/retry-all-failed", admin),
            r => api.Deliveries.ImpactInRetryAllFailed(r, host.Client, CancellationToken.None));
        var schedules = await api.CallAsync(ImpactInApi.Request("GET", "/v1/impact-in/schedules", officer),
            r => api.Schedules.ImpactInListSchedules(r, CancellationToken.None));

        foreach (var response in new[] { bulk, retryAll, schedules })
        {
            Assert.Equal(403, response.Status);
            Assert.Equal("application/problem+json", response.ContentType);
            Assert.DoesNotContain(admin, response.Body);
            Assert.DoesNotContain(officer, response.Body);
        }

        Assert.Contains(Roles.Operator, bulk.Json.GetProperty("detail").GetString());
        Assert.Equal(0, await ImpactData.ScalarAsync<int>(db.DataSource, "SELECT count(*)::int FROM impact.audit_log"));
    }

    [Fact]
    public async Task EveryStateChangingCallLeavesAnAuditRowNamingTheTokensPrincipalAndIgnoresAClaimedPerformer()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var partner = await FakePartner.StartAsync();
        await using var host = await ImpactInApi.StartAsync(db, partner);
        var api = new ImpactInApi(host);
        // The run-now delivery, its replay and its bulk replay fail; retry-all-failed then succeeds.
        partner.Answer(new ScriptedAnswer(400), new ScriptedAnswer(400), new ScriptedAnswer(400));
        var company = await ImpactData.CompanyWithSessionsAsync(db.DataSource, LastMonth.FromUtc);
        var admin = TestTokens.LocalToken(new TokenClaims("admin-walk", company, [Roles.CompanyAdmin], "Ada Admin"));

        var createRequest = ImpactInApi.Request("POST", "/v1/impact-in/schedules", admin,
            new { companyId = company, platform = "goodera", schedule = "monthly", timeZone = "UTC", performedBy = "mallory" });
        createRequest.Headers["X-Performed-By"] = "mallory";
        var created = await api.CallAsync(createRequest, r => api.Schedules.ImpactInCreateSchedule(r, CancellationToken.None));
        var schedule = created.Json.GetProperty("id").GetGuid();
        var patched = await api.CallAsync(ImpactInApi.Request("PATCH", $"/v1/impact-in/schedules/{schedule}", admin, new { programId = "p-7", performedBy = "mallory" }),
            r => api.Schedules.ImpactInUpdateSchedule(r, schedule.ToString(), CancellationToken.None));
        var run = await api.CallAsync(ImpactInApi.Request("POST", $"/v1/impact-in/schedules/{schedule}/run-now", admin),
            r => api.Schedules.ImpactInRunScheduleNow(r, schedule.ToString(), host.Client, CancellationToken.None));
        await host.WaitForSuccessAsync(run.Json.GetProperty("instanceId").GetString()!);
        var delivery = run.Json.GetProperty("id").GetGuid();
        var replayRequest = ImpactInApi.Request("POST", $"/v1/impact-in/deliveries/{delivery}/replay", admin);
        replayRequest.Headers["X-Performed-By"] = "mallory";
        var replay = await api.CallAsync(replayRequest, r => api.Deliveries.ImpactInReplayDelivery(r, delivery.ToString(), host.Client, CancellationToken.None));
        await host.WaitForSuccessAsync(replay.Json.GetProperty("instanceId").GetString()!);
        var bulk = await api.CallAsync(ImpactInApi.Request("POST", "/v1/impact-in/deliveries/bulk-replay", ImpactInApi.OperatorToken, new { ids = new[] { delivery } }),
            r => api.Deliveries.ImpactInBulkReplay(r, host.Client, CancellationToken.None));
        await host.WaitForSuccessAsync(bulk.Json.GetProperty("results")[0].GetProperty("instanceId").GetString()!);
        var retryAll = await api.CallAsync(ImpactInApi.Request("POST", "/v1/impact-in/deliveries/retry-all-failed", ImpactInApi.OperatorToken, query: $"companyId={company}"),
            r => api.Deliveries.ImpactInRetryAllFailed(r, host.Client, CancellationToken.None));
        await host.WaitForSuccessAsync(retryAll.Json.GetProperty("deliveries")[0].GetProperty("instanceId").GetString()!);
        var deleted = await api.CallAsync(ImpactInApi.Request("DELETE", $"/v1/impact-in/schedules/{schedule}", admin),
            r => api.Schedules.ImpactInDeleteSchedule(r, schedule.ToString(), CancellationToken.None));

        Assert.Equal([201, 200, 202, 202, 202, 202, 204], new[] { created, patched, run, replay, bulk, retryAll, deleted }.Select(r => r.Status));
        Assert.Equal(1, retryAll.Json.GetProperty("queued").GetInt32());
        var rows = await ImpactData.QueryAsync<(string Action, string Subject, string PerformedBy, string? PerformerName, Guid? CompanyId)>(db.DataSource,
            "SELECT action, subject, performed_by, performer_name, company_id FROM impact.audit_log ORDER BY id");
        var s = schedule.ToString();
        var d = delivery.ToString();
        Assert.Equal(
            [
                (ImpactInAudit.ScheduleCreated, s, "admin-walk"),
                (ImpactInAudit.ScheduleUpdated, s, "admin-walk"),
                (ImpactInAudit.ScheduleRunNow, s, "admin-walk"),
                (ImpactInAudit.DeliveryReplayed, d, "admin-walk"),
                (ImpactInAudit.DeliveryReplayed, d, ImpactInApi.OperatorPrincipal),
                (ImpactInAudit.DeliveryReplayed, d, ImpactInApi.OperatorPrincipal),
                (ImpactInAudit.ScheduleDeleted, s, "admin-walk"),
            ],
            rows.Select(r => (r.Action, r.Subject, r.PerformedBy)));
        Assert.All(rows.Where(r => r.PerformedBy == "admin-walk"), r => Assert.Equal(("Ada Admin", (Guid?)company), (r.PerformerName, r.CompanyId)));
        Assert.All(rows.Where(r => r.PerformedBy == ImpactInApi.OperatorPrincipal), r => Assert.Equal(("Olga Operator", (Guid?)null), (r.PerformerName, r.CompanyId)));
        Assert.Equal(0, await ImpactData.ScalarAsync<int>(db.DataSource,
            "SELECT count(*)::int FROM impact.audit_log WHERE performed_by = 'mallory' OR performer_name = 'mallory' OR details::text LIKE '%mallory%'"));
        Assert.Equal("succeeded", await ImpactData.ScalarAsync<string>(db.DataSource, "SELECT status FROM impact.impact_deliveries WHERE id = @delivery", new { delivery }));
    }
}
