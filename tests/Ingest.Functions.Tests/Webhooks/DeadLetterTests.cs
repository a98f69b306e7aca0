using Dapper;
using Impact.Ingest.Webhooks;
using Impact.Shared.Security;
using Impact.TestSupport;
using Impact.TestSupport.Security;

namespace Impact.Ingest.Tests.Webhooks;

public sealed class DeadLetterTests
{
    // A cause that makes processing fail every time, as a broken database rule would, and that an operator can fix.
    private const string BreakSessions = """
        CREATE FUNCTION impact.reject_session() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.external_id LIKE 'broken-%' THEN
                RAISE EXCEPTION 'sessions table rejects %', NEW.external_id;
            END IF;
            RETURN NEW;
        END $$;
        CREATE TRIGGER reject_session BEFORE INSERT ON impact.kintell_sessions
            FOR EACH ROW EXECUTE FUNCTION impact.reject_session();
        """;

    private static async Task PostAndDrain(TestApp app, string deliveryId, string sessionId)
    {
        var response = await HttpInvoker.InvokeAsync(Kintell.Signed("session-completed", deliveryId, Kintell.Json(Kintell.Session(sessionId))),
            r => app.Function<KintellWebhook>().ReceiveKintellWebhook(r, "session-completed", CancellationToken.None));
        Assert.Equal(202, response.Status);
        var triggers = app.Function<WebhookQueueTriggers>();
        await new QueueHost(app.Queue, app.PoisonQueue).DrainAsync(m => triggers.ProcessWebhook(m, CancellationToken.None));
        var poison = new QueueHost(app.PoisonQueue, app.PoisonQueue);
        await poison.DrainAsync(m => triggers.DeadLetterWebhook(m, CancellationToken.None));
    }

    // An operator's token; the dead-letter endpoints are operator-only.
    private static readonly string OperatorToken = TestTokens.LocalToken(new TokenClaims("ops-7", null, [Roles.Operator], "Olga Ops"));

    private static Task<TestResponse> Admin(TestApp app, string method, string path, Func<Microsoft.AspNetCore.Http.HttpRequest, Task<Microsoft.AspNetCore.Mvc.IActionResult>> fn,
        string? query = null, string? token = null, bool withToken = true) =>
        app.Services.CallAsync(
            HttpInvoker.Request(method, path, contentType: null, query: query,
                headers: withToken
                    ? new Dictionary<string, string>
                    {
                        ["Authorization"] = TestTokens.Bearer(token ?? OperatorToken),
                        // A client that still names someone gets no say in the audit log.
                        ["X-Performed-By"] = "mallory@example.com",
                    }
                    : null),
            fn);

    [Fact]
    public async Task AlwaysFailingDeliveryIsDeadLetteredAfterThreeAttemptsAndReplayProcessesItOnceFixed()
    {
        await using var app = await TestApp.StartAsync();
        await using var conn = await app.Database.DataSource.OpenConnectionAsync();
        await conn.ExecuteAsync(BreakSessions);

        await PostAndDrain(app, "d-broken", "broken-1");

        var row = await conn.QuerySingleAsync<(string Status, int Attempts, string LastError)>(
            "SELECT status, attempts, last_error FROM impact.webhook_deliveries WHERE delivery_id = 'd-broken'");
        Assert.Equal(("dead_lettered", QueueHost.MaxDequeueCount), (row.Status, row.Attempts));
        Assert.Equal(3, QueueHost.MaxDequeueCount);
        Assert.Contains("sessions table rejects broken-1", row.LastError, StringComparison.Ordinal);

        var dlq = app.Function<WebhookDeadLetters>();
        var list = await Admin(app, "GET", "/v1/webhooks/dlq", r => dlq.ListDeadLetters(r, CancellationToken.None));
        Assert.Equal(200, list.Status);
        Assert.Equal("d-broken", list.Json.GetProperty("items")[0].GetProperty("deliveryId").GetString());
        Assert.Equal(1, list.Json.GetProperty("stats").GetProperty("total").GetInt32());
        Assert.Equal(1, list.Json.GetProperty("stats").GetProperty("byEventType").GetProperty("session-completed").GetInt32());

        var stillBroken = await Admin(app, "POST", "/v1/webhooks/dlq/d-broken/replay", r => dlq.ReplayDeadLetter(r, "d-broken", CancellationToken.None));
        Assert.Equal(422, stillBroken.Status);
        Assert.Equal("dead_lettered", await conn.ExecuteScalarAsync<string>("SELECT status FROM impact.webhook_deliveries WHERE delivery_id = 'd-broken'"));

        await conn.ExecuteAsync("DROP TRIGGER reject_session ON impact.kintell_sessions");
        var replay = await Admin(app, "POST", "/v1/webhooks/dlq/d-broken/replay", r => dlq.ReplayDeadLetter(r, "d-broken", CancellationToken.None));

        Assert.Equal(200, replay.Status);
        Assert.Equal("processed", replay.Json.GetProperty("status").GetString());
        Assert.Equal(1, await conn.ExecuteScalarAsync<int>("SELECT count(*) FROM impact.kintell_sessions WHERE external_id = 'broken-1'"));
        Assert.Equal(1, await conn.ExecuteScalarAsync<int>("SELECT count(*) FROM impact.events WHERE type = 'kintell.session.completed'"));
        Assert.Equal(2, await conn.ExecuteScalarAsync<int>("SELECT count(*) FROM impact.audit_log WHERE action = 'webhook.dlq.replay' AND performed_by = 'ops-7'"));
        var empty = await Admin(app, "GET", "/v1/webhooks/dlq", r => dlq.ListDeadLetters(r, CancellationToken.None));
        Assert.Equal(0, empty.Json.GetProperty("stats").GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task ReplaySinceRequeuesEveryDeadLetterFromThatTime()
    {
        await using var app = await TestApp.StartAsync();
        await using var conn = await app.Database.DataSource.OpenConnectionAsync();
        await conn.ExecuteAsync(BreakSessions);
        await PostAndDrain(app, "d-a", "broken-a");
        await PostAndDrain(app, "d-b", "broken-b");
        await conn.ExecuteAsync("DROP TRIGGER reject_session ON impact.kintell_sessions");

        var dlq = app.Function<WebhookDeadLetters>();
        var response = await Admin(app, "POST", "/v1/webhooks/dlq/replay", r => dlq.ReplayDeadLettersSince(r, CancellationToken.None),
            query: "since=" + Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(-1).ToString("O")));
        var triggers = app.Function<WebhookQueueTriggers>();
        await new QueueHost(app.Queue, app.PoisonQueue).DrainAsync(m => triggers.ProcessWebhook(m, CancellationToken.None));

        Assert.Equal(202, response.Status);
        Assert.Equal(2, response.Json.GetProperty("queued").GetInt32());
        Assert.Equal(2, await conn.ExecuteScalarAsync<int>("SELECT count(*) FROM impact.audit_log WHERE action = 'webhook.dlq.replay' AND performed_by = 'ops-7'"));
        Assert.Equal(2, await conn.ExecuteScalarAsync<int>("SELECT count(*) FROM impact.webhook_deliveries WHERE status = 'processed'"));
    }

    [Fact]
    public async Task DiscardingADeadLetterIsAuditedAsTheTokensPrincipalAndNeedsAnOperator()
    {
        await using var app = await TestApp.StartAsync();
        await using var conn = await app.Database.DataSource.OpenConnectionAsync();
        await conn.ExecuteAsync(BreakSessions);
        await PostAndDrain(app, "d-x", "broken-x");
        var dlq = app.Function<WebhookDeadLetters>();

        var anonymous = await Admin(app, "DELETE", "/v1/webhooks/dlq/d-x", r => dlq.DiscardDeadLetter(r, "d-x", CancellationToken.None), withToken: false);
        var companyAdmin = await Admin(app, "DELETE", "/v1/webhooks/dlq/d-x", r => dlq.DiscardDeadLetter(r, "d-x", CancellationToken.None),
            token: TestTokens.Admin(Guid.NewGuid()));
        var discarded = await Admin(app, "DELETE", "/v1/webhooks/dlq/d-x", r => dlq.DiscardDeadLetter(r, "d-x", CancellationToken.None), query: "reason=test+data");
        var again = await Admin(app, "DELETE", "/v1/webhooks/dlq/d-x", r => dlq.DiscardDeadLetter(r, "d-x", CancellationToken.None));
        var replayDiscarded = await Admin(app, "POST", "/v1/webhooks/dlq/d-x/replay", r => dlq.ReplayDeadLetter(r, "d-x", CancellationToken.None));

        Assert.Equal(401, anonymous.Status);
        Assert.Equal(403, companyAdmin.Status);
        Assert.Equal(200, discarded.Status);
        Assert.Equal(404, again.Status);
        Assert.Equal(409, replayDiscarded.Status);
        var audit = await conn.QuerySingleAsync<(string Subject, string PerformedBy, string Name, string Note)>(
            "SELECT subject, performed_by, performer_name, details->>'note' FROM impact.audit_log WHERE action = 'webhook.dlq.discard'");
        Assert.Equal(("kintell:d-x", "ops-7", "Olga Ops", "test data"), audit);
    }
}
