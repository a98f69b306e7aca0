using System.Collections.Concurrent;
using Dapper;
using Impact.Ingest.Webhooks;
using Impact.Shared.Security;
using Impact.Shared.Webhooks;
using Impact.TestSupport;
using Impact.TestSupport.Security;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Impact.Ingest.Tests.Webhooks;

/// <summary>Nothing stranded: a database outage, lost messages and the poison queue all end in a processed or a dead-lettered row.</summary>
public sealed class WebhookRecoveryTests
{
    // Makes processing of sessions named broken-* fail every time, as a broken database rule would.
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

    private static readonly Dictionary<string, string?> ShortRetries = new()
    {
        ["Webhooks:TransientRetryFirstSeconds"] = "1",
        ["Webhooks:TransientRetryMaxSeconds"] = "2",
    };

    private static async Task Accept(TestApp app, string deliveryId, string sessionId)
    {
        var response = await HttpInvoker.InvokeAsync(Kintell.Signed("session-completed", deliveryId, Kintell.Json(Kintell.Session(sessionId))),
            r => app.Function<KintellWebhook>().ReceiveKintellWebhook(r, "session-completed", CancellationToken.None));
        Assert.Equal(202, response.Status);
    }

    private static async Task<bool> CountIs(NpgsqlDataSource db, string sql, int expected)
    {
        try
        {
            await using var conn = await db.OpenConnectionAsync();
            return await conn.ExecuteScalarAsync<int>(sql) == expected;
        }
        catch (NpgsqlException)
        {
            return false; // the database is down or starting: not yet
        }
    }

    private static Task<TestResponse> ListDeadLetters(TestApp app)
    {
        var token = TestTokens.LocalToken(new TokenClaims("ops-1", null, [Roles.Operator], "Olga Ops"));
        var dlq = app.Function<WebhookDeadLetters>();
        return app.Services.CallAsync(
            HttpInvoker.Request("GET", "/v1/webhooks/dlq", contentType: null,
                headers: new Dictionary<string, string> { ["Authorization"] = TestTokens.Bearer(token) }),
            r => dlq.ListDeadLetters(r, CancellationToken.None));
    }

    [Fact]
    public async Task DeliveriesQueuedWhenTheDatabaseGoesDownAreAllProcessedExactlyOnceWhenItIsBackWithNoOperator()
    {
        // A cluster of this test's own: stopping it takes nothing away from the tests running beside this one.
        await using var pg = await StoppablePostgres.CreateAsync();
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?>(ShortRetries)
        {
            ["Postgres:ConnectionString"] = pg.ConnectionString,
        });
        var db = app.Service<NpgsqlDataSource>();
        const int total = 100, beforeOutage = 20;
        for (var i = 0; i < total; i++)
        {
            await Accept(app, $"d-{i}", $"s-{i}");
        }

        // The host processes 16 at a time; the 21st call onwards waits until the database is gone.
        var triggers = app.Function<WebhookQueueTriggers>();
        var outage = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var calls = 0;
        var completed = 0;
        var retried = new ConcurrentDictionary<string, int>();
        var processing = new QueueHost(app.Queue, app.PoisonQueue).RunUntilEmptyAsync(async body =>
        {
            if (Interlocked.Increment(ref calls) > beforeOutage)
            {
                await outage.Task;
            }

            var m = WebhookQueue.Parse(body);
            if (m.Retry > 0)
            {
                retried.AddOrUpdate(m.DeliveryId, m.Retry, (_, r) => Math.Max(r, m.Retry));
            }

            await triggers.ProcessWebhook(body, CancellationToken.None);
            Interlocked.Increment(ref completed);
        },
        done: () => CountIs(db, "SELECT count(*) FROM impact.webhook_deliveries WHERE status = 'processed'", total),
        timeout: TimeSpan.FromMinutes(2));

        await Poll.UntilAsync(() => Task.FromResult(Volatile.Read(ref completed) >= beforeOutage), TimeSpan.FromSeconds(60), "the first deliveries");
        Assert.True(await CountIs(db, "SELECT count(*) FROM impact.webhook_deliveries WHERE status = 'processed'", beforeOutage));
        await pg.StopAsync();
        outage.SetResult();

        // Every delivery still waiting met the outage and came back on its own (a fresh message, retried later)...
        await Poll.UntilAsync(() => Task.FromResult(retried.Count >= total - beforeOutage), TimeSpan.FromSeconds(60),
            "every remaining delivery retried during the outage");
        Assert.Equal(0, (await app.PoisonQueue.GetPropertiesAsync()).Value.ApproximateMessagesCount);

        // ...and once the database is back, every one is processed, without an operator or a sweep.
        await pg.StartAsync();
        var failures = await processing;

        Assert.Equal(0, failures);
        Assert.Equal(0, (await app.PoisonQueue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
        await using var conn = await db.OpenConnectionAsync();
        var rows = (await conn.QueryAsync<(string DeliveryId, string Status, int Attempts, string? LastError)>(
            "SELECT delivery_id, status, attempts, last_error FROM impact.webhook_deliveries")).ToList();
        Assert.Equal(total, rows.Count);
        // Processed once, and the outage was no attempt: it counts nothing towards the dead-letter list.
        Assert.All(rows, r => Assert.Equal(("processed", 1, (string?)null), (r.Status, r.Attempts, r.LastError)));
        var sessions = (await conn.QueryAsync<string>("SELECT external_id FROM impact.kintell_sessions")).Order().ToList();
        Assert.Equal(Enumerable.Range(0, total).Select(i => $"s-{i}").Order(), sessions);
        var events = (await conn.QueryAsync<string>(
            "SELECT correlation_id FROM impact.events WHERE type = 'kintell.session.completed'")).Order().ToList();
        Assert.Equal(Enumerable.Range(0, total).Select(i => $"kintell:d-{i}").Order(), events);
        var dlq = await ListDeadLetters(app);
        Assert.Equal(0, dlq.Json.GetProperty("stats").GetProperty("total").GetInt32());
        Assert.True(calls > total, $"{calls} handler calls for {total} deliveries: the outage should have caused retries");
    }

    [Fact]
    public async Task ADeliveryThatFailsForeverIsDeadLetteredAfterTheConfiguredAttemptsAndListedWithItsError()
    {
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?> { ["Webhooks:MaxAttempts"] = "2" });
        await using var conn = await app.Database.DataSource.OpenConnectionAsync();
        await conn.ExecuteAsync(BreakSessions);
        await Accept(app, "d-forever", "broken-forever");
        await Accept(app, "d-fine", "s-fine");

        var triggers = app.Function<WebhookQueueTriggers>();
        var failures = await new QueueHost(app.Queue, app.PoisonQueue).DrainAsync(m => triggers.ProcessWebhook(m, CancellationToken.None));

        // One failure the host retried, then the second attempt gave up: the message is consumed, nothing went to poison.
        Assert.Equal(1, failures);
        Assert.Null((await app.PoisonQueue.PeekMessageAsync()).Value);
        var row = await conn.QuerySingleAsync<(string Status, int Attempts, string LastError)>(
            "SELECT status, attempts, last_error FROM impact.webhook_deliveries WHERE delivery_id = 'd-forever'");
        Assert.Equal(("dead_lettered", 2), (row.Status, row.Attempts));
        Assert.Contains("sessions table rejects broken-forever", row.LastError, StringComparison.Ordinal);

        var list = await ListDeadLetters(app);
        Assert.Equal(200, list.Status);
        var item = Assert.Single(list.Json.GetProperty("items").EnumerateArray());
        Assert.Equal(("d-forever", 2), (item.GetProperty("deliveryId").GetString(), item.GetProperty("attempts").GetInt32()));
        Assert.Contains("broken-forever", item.GetProperty("lastError").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, list.Json.GetProperty("stats").GetProperty("total").GetInt32());
    }

    [Fact]
    public async Task AMessageInThePoisonQueueWithAttemptsLeftGoesBackAndIsProcessed()
    {
        // The worker died three times on this message: the host poisoned it, no attempt was recorded.
        await using var app = await TestApp.StartAsync();
        await Accept(app, "d-crashed", "s-crashed");
        var message = (await app.Queue.ReceiveMessageAsync()).Value;
        await app.PoisonQueue.SendMessageAsync(message.Body);
        await app.Queue.DeleteMessageAsync(message.MessageId, message.PopReceipt);

        var triggers = app.Function<WebhookQueueTriggers>();
        await new QueueHost(app.PoisonQueue, app.PoisonQueue).DrainAsync(m => triggers.DeadLetterWebhook(m, CancellationToken.None));
        await using var conn = await app.Database.DataSource.OpenConnectionAsync();
        var back = await conn.QuerySingleAsync<(string Status, int Attempts, string LastError)>(
            "SELECT status, attempts, last_error FROM impact.webhook_deliveries WHERE delivery_id = 'd-crashed'");
        Assert.Equal(("queued", 1), (back.Status, back.Attempts));
        Assert.Contains("poison queue", back.LastError, StringComparison.Ordinal);

        await new QueueHost(app.Queue, app.PoisonQueue).DrainAsync(m => triggers.ProcessWebhook(m, CancellationToken.None));

        Assert.Equal("processed", await conn.ExecuteScalarAsync<string>("SELECT status FROM impact.webhook_deliveries WHERE delivery_id = 'd-crashed'"));
        Assert.Equal(1, await conn.ExecuteScalarAsync<int>("SELECT count(*) FROM impact.events WHERE correlation_id = 'kintell:d-crashed'"));
    }

    [Fact]
    public async Task APoisonMessageThatUsedUpItsAttemptsIsDeadLetteredAndListed()
    {
        await using var app = await TestApp.StartAsync();
        await Accept(app, "d-poisoned", "s-poisoned");
        await using var conn = await app.Database.DataSource.OpenConnectionAsync();
        await conn.ExecuteAsync("UPDATE impact.webhook_deliveries SET status = 'failed', attempts = 2, last_error = 'XX000: boom' WHERE delivery_id = 'd-poisoned'");
        var message = (await app.Queue.ReceiveMessageAsync()).Value;

        await app.Function<WebhookQueueTriggers>().DeadLetterWebhook(message.Body.ToString(), CancellationToken.None);

        var row = await conn.QuerySingleAsync<(string Status, int Attempts, string LastError)>(
            "SELECT status, attempts, last_error FROM impact.webhook_deliveries WHERE delivery_id = 'd-poisoned'");
        Assert.Equal(("dead_lettered", 3, "XX000: boom"), row);
        var item = Assert.Single((await ListDeadLetters(app)).Json.GetProperty("items").EnumerateArray());
        Assert.Equal("d-poisoned", item.GetProperty("deliveryId").GetString());
    }

    [Fact]
    public async Task WhenTheDatabaseIsDownThePoisonHandlerPutsTheMessageBackForSoonInsteadOfFailing()
    {
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?>(ShortRetries)
        {
            ["Postgres:ConnectionString"] = $"Host=127.0.0.1;Port={FreePort.Next()};Username=postgres;Database=impact;Timeout=2",
        });
        var body = """{"source":"kintell","deliveryId":"d-dark"}""";

        // Returns normally: thrown back, a message of a -poison queue would stay hidden for its whole lease.
        await app.Function<WebhookQueueTriggers>().DeadLetterWebhook(body, CancellationToken.None);

        Assert.Equal(1, (await app.PoisonQueue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
        await Poll.UntilAsync(async () => (await app.PoisonQueue.PeekMessageAsync()).Value is not null, TimeSpan.FromSeconds(30), "the message visible again");
        var again = WebhookQueue.Parse((await app.PoisonQueue.PeekMessageAsync()).Value.Body.ToString());
        Assert.Equal(new WebhookMessage("kintell", "d-dark") { Retry = 1 }, again with { TraceParent = null });
    }

    [Fact]
    public async Task ATransientDatabaseErrorSendsAFreshMessageWithADelayAndCompletesTheOriginal()
    {
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?>(ShortRetries)
        {
            ["Postgres:ConnectionString"] = $"Host=127.0.0.1;Port={FreePort.Next()};Username=postgres;Database=impact;Timeout=2",
        });
        var worker = app.Service<WebhookQueueWorker>();

        await app.Function<WebhookQueueTriggers>().ProcessWebhook("""{"source":"kintell","deliveryId":"d-wait","retry":3}""", CancellationToken.None);

        Assert.Equal(1, (await app.Queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);
        await Poll.UntilAsync(async () => (await app.Queue.PeekMessageAsync()).Value is not null, TimeSpan.FromSeconds(30), "the message visible again");
        Assert.Equal(new WebhookMessage("kintell", "d-wait") { Retry = 4 }, WebhookQueue.Parse((await app.Queue.PeekMessageAsync()).Value.Body.ToString()) with { TraceParent = null });
        // Doubling from 1 s and capped at 2 s, with jitter of up to half.
        Assert.All(Enumerable.Range(0, 50).Select(worker.RetryDelay), d => Assert.InRange(d.TotalSeconds, 0.5, 2));
        Assert.InRange(worker.RetryDelay(0).TotalSeconds, 0.5, 1);
    }

    [Fact]
    public async Task TheSweeperRequeuesDeliveriesLeftQueuedOrFailedPastTheThresholdAndLeavesRecentOnesAlone()
    {
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?>
        {
            ["Webhooks:RequeueAfterSeconds"] = "300",
            ["Webhooks:SweepAfterSeconds"] = "3600",
        });
        foreach (var id in new[] { "stale-queued", "fresh-queued", "stale-failed", "fresh-failed", "exhausted" })
        {
            await Accept(app, id, "s-" + id);
        }

        // Every message is lost (as if hidden in a poison queue, or never delivered).
        await app.Queue.ClearMessagesAsync();
        await using var conn = await app.Database.DataSource.OpenConnectionAsync();
        await conn.ExecuteAsync(
            """
            UPDATE impact.webhook_deliveries SET updated_at = now() - interval '6 minutes' WHERE delivery_id IN ('stale-queued', 'stale-failed', 'exhausted');
            UPDATE impact.webhook_deliveries SET updated_at = now() - interval '4 minutes' WHERE delivery_id = 'fresh-queued';
            UPDATE impact.webhook_deliveries SET status = 'failed', attempts = 1, last_error = 'XX000: once'
            WHERE delivery_id IN ('stale-failed', 'fresh-failed');
            UPDATE impact.webhook_deliveries SET status = 'failed', attempts = 3, last_error = 'XX000: thrice' WHERE delivery_id = 'exhausted';
            """);

        await app.Function<WebhookMaintenance>().SweepWebhookOutbox(null!, CancellationToken.None);

        var messages = (await app.Queue.PeekMessagesAsync(32)).Value.Select(m => WebhookQueue.Parse(m.Body.ToString()).DeliveryId).Order();
        Assert.Equal(["stale-failed", "stale-queued"], messages);
        var statuses = (await conn.QueryAsync<(string Id, string Status)>("SELECT delivery_id, status FROM impact.webhook_deliveries ORDER BY 1")).ToList();
        Assert.Equal([("exhausted", "dead_lettered"), ("fresh-failed", "failed"), ("fresh-queued", "queued"), ("stale-failed", "queued"), ("stale-queued", "queued")], statuses);

        // A second sweep right away finds nothing new: a re-queued row waits the threshold again.
        await app.Function<WebhookMaintenance>().SweepWebhookOutbox(null!, CancellationToken.None);
        Assert.Equal(2, (await app.Queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);

        var triggers = app.Function<WebhookQueueTriggers>();
        Assert.Equal(0, await new QueueHost(app.Queue, app.PoisonQueue).DrainAsync(m => triggers.ProcessWebhook(m, CancellationToken.None)));
        Assert.Equal(["s-stale-failed", "s-stale-queued"], (await conn.QueryAsync<string>("SELECT external_id FROM impact.kintell_sessions")).Order());
        var item = Assert.Single((await ListDeadLetters(app)).Json.GetProperty("items").EnumerateArray());
        Assert.Equal(("exhausted", 3, "XX000: thrice"),
            (item.GetProperty("deliveryId").GetString(), item.GetProperty("attempts").GetInt32(), item.GetProperty("lastError").GetString()));
    }

    [Fact]
    public async Task InABacklogTheSweeperLeavesARowWhoseMessageStillWaitsAndRequeuesOnlyRowsTouchedBeforeTheFrontMessage()
    {
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?>
        {
            ["Webhooks:RequeueAfterSeconds"] = "10", // the least the settings allow
            ["Webhooks:SweepAfterSeconds"] = "3600",
        });
        await Accept(app, "lost", "s-lost");
        await app.Queue.ClearMessagesAsync(); // its message is lost
        await Accept(app, "waiting", "s-waiting"); // its message is the front of the queue, not yet processed
        await using var conn = await app.Database.DataSource.OpenConnectionAsync();
        // 'lost' was touched long before the front message was inserted; 'waiting' just before it (by the INSERT that
        // precedes its send), so its message may be the one waiting. Both pass the 10 s threshold: the message waits 11 s
        // unprocessed, a backlog in small (a message's insertion time cannot be moved back, so the test waits).
        await conn.ExecuteAsync("UPDATE impact.webhook_deliveries SET updated_at = now() - interval '10 minutes' WHERE delivery_id = 'lost'");
        await Task.Delay(TimeSpan.FromSeconds(11));
        Assert.Equal(2L, await conn.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM impact.webhook_deliveries WHERE status = 'queued' AND updated_at < now() - interval '10 seconds'"));

        await app.Function<WebhookMaintenance>().SweepWebhookOutbox(null!, CancellationToken.None);

        // One message per delivery: 'lost' re-queued, 'waiting' not sent a second time.
        var messages = (await app.Queue.PeekMessagesAsync(32)).Value.Select(m => WebhookQueue.Parse(m.Body.ToString()).DeliveryId).Order().ToList();
        Assert.Equal(["lost", "waiting"], messages);

        // Once its message is gone too (the queue is empty), 'waiting' is stale like any other row and is re-queued.
        await app.Queue.ClearMessagesAsync();
        await app.Function<WebhookMaintenance>().SweepWebhookOutbox(null!, CancellationToken.None);
        Assert.Contains("waiting", (await app.Queue.PeekMessagesAsync(32)).Value.Select(m => WebhookQueue.Parse(m.Body.ToString()).DeliveryId));
    }

    [Fact]
    public async Task ADeliveryWhoseProcessDiedBetweenTheCommitAndTheSendIsRequeuedAndProcessedOnce()
    {
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?>
        {
            ["Webhooks:RequeueAfterSeconds"] = "300",
            ["Webhooks:SweepAfterSeconds"] = "60",
        });
        // What the receiver commits before its send (the row is stored as queued), then the process dies: no message.
        var payload = Kintell.Json(Kintell.Session("s-crash"));
        Assert.Equal(RecordOutcome.Stored, await app.Services.GetRequiredService<WebhookDeliveries>().RecordAsync(
            "kintell", "d-crash", "session-completed", Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(payload)), Kintell.Text(payload)));
        await using var conn = await app.Database.DataSource.OpenConnectionAsync();
        Assert.Equal("queued", await conn.ExecuteScalarAsync<string>("SELECT status FROM impact.webhook_deliveries WHERE delivery_id = 'd-crash'"));

        // The partner's retry is a duplicate and sends nothing; the sweeper leaves the row alone until the threshold.
        var retry = await HttpInvoker.InvokeAsync(Kintell.Signed("session-completed", "d-crash", payload),
            r => app.Function<KintellWebhook>().ReceiveKintellWebhook(r, "session-completed", CancellationToken.None));
        Assert.Equal(200, retry.Status);
        await app.Function<WebhookMaintenance>().SweepWebhookOutbox(null!, CancellationToken.None);
        Assert.Equal(0, (await app.Queue.GetPropertiesAsync()).Value.ApproximateMessagesCount);

        await conn.ExecuteAsync("UPDATE impact.webhook_deliveries SET updated_at = now() - interval '6 minutes' WHERE delivery_id = 'd-crash'");
        await app.Function<WebhookMaintenance>().SweepWebhookOutbox(null!, CancellationToken.None);
        var triggers = app.Function<WebhookQueueTriggers>();
        Assert.Equal(0, await new QueueHost(app.Queue, app.PoisonQueue).DrainAsync(m => triggers.ProcessWebhook(m, CancellationToken.None)));

        Assert.Equal("processed", await conn.ExecuteScalarAsync<string>("SELECT status FROM impact.webhook_deliveries WHERE delivery_id = 'd-crash'"));
        Assert.Equal(1, await conn.ExecuteScalarAsync<int>("SELECT count(*) FROM impact.kintell_sessions WHERE external_id = 's-crash'"));
        Assert.Equal(1, await conn.ExecuteScalarAsync<int>("SELECT count(*) FROM impact.events WHERE correlation_id = 'kintell:d-crash'"));
    }
}
