using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure.Storage.Queues;
using Dapper;
using Impact.Ingest;
using Impact.Ingest.Webhooks;
using Impact.Shared.Http;
using Impact.Shared.Webhooks;
using Impact.TestSupport;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace Impact.Bench;

/// <summary>
/// The app as the webhook scenarios drive it: the Functions app's own DI over a fresh database and its own
/// Azurite queues; the receive function called with a real <see cref="DefaultHttpContext"/> and signed bodies;
/// the queue trigger fed by a <see cref="HostQueueListener"/>; the outbox timer every 30 s as the host runs it.
/// Also the bare operations the same deliveries need, and the end-of-run check that every delivery was stored
/// and processed exactly once.
/// </summary>
public sealed class WebhookLoad : IAsyncDisposable
{
    public const string Secret = "bench-kintell-secret";

    /// <summary>Volunteers the deliveries cycle through (their user rows are upserted by every session).</summary>
    public const int Volunteers = 64;

    private readonly IHost host;
    private readonly KintellWebhook function;
    private readonly WebhookQueueTriggers triggers;
    private readonly WebhookMaintenance maintenance;
    private readonly byte[] key = WebhookSignature.KeyOf(Secret);
    private long bareSendRetries;

    private WebhookLoad(TestDatabase db, IHost host, string queueName)
    {
        Database = db;
        this.host = host;
        function = ActivatorUtilities.CreateInstance<KintellWebhook>(host.Services);
        triggers = ActivatorUtilities.CreateInstance<WebhookQueueTriggers>(host.Services);
        maintenance = ActivatorUtilities.CreateInstance<WebhookMaintenance>(host.Services);
        var queues = host.Services.GetRequiredService<QueueServiceClient>();
        Queue = queues.GetQueueClient(queueName);
        Poison = queues.GetQueueClient(queueName + "-poison");
        BareQueue = queues.GetQueueClient(queueName + "-bare");
        BarePoison = queues.GetQueueClient(queueName + "-bare-poison");
    }

    public TestDatabase Database { get; }

    /// <summary>Bare sends that timed out and were sent again.</summary>
    public long BareSendRetries => Interlocked.Read(ref bareSendRetries);

    public QueueClient Queue { get; }

    public QueueClient Poison { get; }

    public QueueClient BareQueue { get; }

    public QueueClient BarePoison { get; }

    public static async Task<WebhookLoad> StartAsync()
    {
        var db = await TestDatabase.CreateAsync();
        var queueName = TestStorage.UniqueName("bench");
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddConfiguration(TestStorage.Configuration(db.ConnectionString, new Dictionary<string, string?>
        {
            ["WebhookQueueName"] = queueName,
            ["Webhooks:Kintell:Secrets"] = Secret,
        }));
        builder.AddFunctionsAppServices();
        var host = builder.Build();
        await host.StartAsync();
        var load = new WebhookLoad(db, host, queueName);
        foreach (var q in new[] { load.Queue, load.Poison, load.BareQueue, load.BarePoison })
        {
            await q.CreateIfNotExistsAsync();
        }

        await using var conn = await db.DataSource.OpenConnectionAsync();
        // One company the volunteers belong to (by e-mail domain), as in production.
        await conn.ExecuteAsync("INSERT INTO impact.companies (name, email_domain) VALUES ('Acme', 'acme.example')");
        return load;
    }

    /// <summary>A session-completed payload; <paramref name="prefix"/> keeps the app's and the bare's rows apart.</summary>
    public static byte[] Payload(string prefix, long i) => JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object?>
    {
        ["session_id"] = $"{prefix}-{i}",
        ["session_type"] = "language",
        ["participant_email"] = $"{prefix}-p-{i}@example.org",
        ["volunteer_email"] = $"volunteer-{i % Volunteers}@acme.example",
        ["scheduled_at"] = "2026-11-01T10:00:00Z",
        ["completed_at"] = "2026-11-01T10:45:00Z",
        ["duration_minutes"] = 45,
        ["topics"] = new[] { "job interview", "grammar", "pronunciation" },
        ["language_level"] = "B1",
        ["notes"] = new string('x', 600),
    });

    /// <summary>Calls the receive function with delivery <paramref name="i"/>; returns the HTTP status (202 new, 200 duplicate).</summary>
    public async Task<int> ReceiveAsync(long i, string prefix = "s")
    {
        var body = Payload(prefix, i);
        var context = new DefaultHttpContext();
        context.Request.Method = "POST";
        context.Request.ContentType = "application/json";
        context.Request.ContentLength = body.Length;
        context.Request.Body = new MemoryStream(body);
        context.Request.Headers[WebhookSignature.KintellHeader] = WebhookSignature.SignKintell(key, DateTimeOffset.UtcNow.ToUnixTimeSeconds(), body);
        context.Request.Headers[WebhookSignature.KintellDeliveryIdHeader] = $"{prefix}-d-{i}";
        context.Response.Body = new MemoryStream();
        try
        {
            var result = await function.ReceiveKintellWebhook(context.Request, "session-completed", CancellationToken.None);
            await result.ExecuteResultAsync(new ActionContext { HttpContext = context });
            return context.Response.StatusCode;
        }
        catch (ProblemException e)
        {
            // What the worker's problem middleware would answer (e.g. 503 when the queue is unreachable).
            return (int)e.Status;
        }
    }

    /// <summary>The app's queue trigger, as the host calls it.</summary>
    public HostQueueListener Listener() => new(Queue, Poison, (m, ct) => triggers.ProcessWebhook(m, ct));

    /// <summary>The outbox timer (every 30 s in the app) until <paramref name="stop"/>.</summary>
    public async Task RunSweeperAsync(CancellationToken stop)
    {
        using var timer = new PeriodicTimer(TimeSpan.FromSeconds(30));
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                try
                {
                    await maintenance.SweepWebhookOutbox(null!, CancellationToken.None);
                }
                catch (Exception e) when (e is Azure.RequestFailedException or AggregateException or HttpRequestException or TimeoutException)
                {
                    // The host logs a failed timer run; the next one sweeps what this one did not.
                    var inner = e is AggregateException a ? string.Join(" | ", a.Flatten().InnerExceptions.Select(x => $"{x.GetType().Name}: {x.Message}")) : e.Message;
                    Console.WriteLine($"outbox sweep failed: {e.GetType().Name}: {inner}");
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    /// <summary>
    /// The bare receive: the same row INSERT (already marked queued, as little as a delivery needs) and the same
    /// message, with raw Npgsql and QueueClient calls — no signature, no validation, no framework.
    /// </summary>
    public async Task BareReceiveAsync(long i)
    {
        var body = Payload("b", i);
        var hash = Convert.ToHexStringLower(SHA256.HashData(body));
        await using (var conn = await Database.DataSource.OpenConnectionAsync())
        {
            await using var cmd = new NpgsqlCommand(
                """
                INSERT INTO impact.webhook_deliveries (source, delivery_id, event_type, payload_hash, payload, status, queued_at)
                VALUES ('bare', $1, 'kintell.session.completed', $2, $3::jsonb, 'queued', clock_timestamp())
                ON CONFLICT (source, delivery_id) DO NOTHING
                """, conn);
            cmd.Parameters.Add(new NpgsqlParameter { Value = $"b-d-{i}" });
            cmd.Parameters.Add(new NpgsqlParameter { Value = hash });
            cmd.Parameters.Add(new NpgsqlParameter { Value = Encoding.UTF8.GetString(body) });
            await cmd.ExecuteNonQueryAsync();
        }

        for (var attempt = 1; ; attempt++)
        {
            try
            {
                await BareQueue.SendMessageAsync($$"""{"source":"bare","deliveryId":"b-d-{{i}}"}""");
                return;
            }
            catch (Exception) when (attempt < 5)
            {
                // No outbox here: the bare path simply tries again.
                Interlocked.Increment(ref bareSendRetries);
            }
        }
    }

    /// <summary>
    /// The bare processing of one message: the same rows written in one transaction in two round trips — lock the
    /// delivery and mark it processed (returning its payload), then in one batch the two people, the session, the
    /// event with its notification, and COMMIT.
    /// </summary>
    public async Task BareProcessAsync(string message, CancellationToken ct)
    {
        var deliveryId = JsonDocument.Parse(message).RootElement.GetProperty("deliveryId").GetString()!;
        await using var conn = await Database.DataSource.OpenConnectionAsync(ct);
        string? payload;
        await using (var first = new NpgsqlBatch(conn))
        {
            first.BatchCommands.Add(new NpgsqlBatchCommand("BEGIN"));
            var update = new NpgsqlBatchCommand(
                """
                UPDATE impact.webhook_deliveries
                SET status = 'processed', attempts = attempts + 1, processed_at = clock_timestamp(), updated_at = clock_timestamp()
                WHERE source = 'bare' AND delivery_id = $1 AND status NOT IN ('processed', 'discarded')
                RETURNING payload::text
                """);
            update.Parameters.Add(new NpgsqlParameter { Value = deliveryId });
            first.BatchCommands.Add(update);
            payload = (string?)await first.ExecuteScalarAsync(ct);
        }

        if (payload is null)
        {
            await using var rollback = new NpgsqlCommand("ROLLBACK", conn);
            await rollback.ExecuteNonQueryAsync(ct);
            return;
        }

        var p = JsonDocument.Parse(payload).RootElement;
        await using var batch = new NpgsqlBatch(conn);
        const string person = """
            INSERT INTO impact.users (email, role, company_id)
            VALUES ($1, $2, CASE WHEN $2 = 'volunteer' THEN (SELECT id FROM impact.companies WHERE email_domain = split_part($1, '@', 2)) END)
            ON CONFLICT (email) DO UPDATE
            SET role = COALESCE(impact.users.role, EXCLUDED.role), company_id = COALESCE(impact.users.company_id, EXCLUDED.company_id),
                updated_at = clock_timestamp()
            """;
        foreach (var (email, role) in new[] { (p.GetProperty("participant_email").GetString()!, "participant"), (p.GetProperty("volunteer_email").GetString()!, "volunteer") })
        {
            var c = new NpgsqlBatchCommand(person);
            c.Parameters.Add(new NpgsqlParameter { Value = email });
            c.Parameters.Add(new NpgsqlParameter { Value = role });
            batch.BatchCommands.Add(c);
        }

        var session = new NpgsqlBatchCommand(
            """
            WITH s AS (
                INSERT INTO impact.kintell_sessions
                    (external_id, session_type, participant_id, volunteer_id, company_id, scheduled_at, completed_at,
                     duration_minutes, topics, language_level, source)
                SELECT $1, 'language', pa.id, vo.id, vo.company_id, $4::timestamptz, $5::timestamptz, 45, $6, 'B1', 'webhook'
                FROM impact.users pa, impact.users vo
                WHERE pa.email = $2 AND vo.email = $3
                ON CONFLICT (external_id) DO NOTHING
                RETURNING id, company_id)
            INSERT INTO impact.events (company_id, type, correlation_id, data)
            SELECT company_id, 'kintell.session.completed', $7, jsonb_build_object('sessionId', id, 'externalId', $1::text)
            FROM s
            """);
        foreach (var v in new object[]
                 {
                     p.GetProperty("session_id").GetString()!, p.GetProperty("participant_email").GetString()!,
                     p.GetProperty("volunteer_email").GetString()!, p.GetProperty("scheduled_at").GetString()!,
                     p.GetProperty("completed_at").GetString()!, p.GetProperty("topics").EnumerateArray().Select(t => t.GetString()!).ToArray(),
                     "bare:" + deliveryId,
                 })
        {
            session.Parameters.Add(new NpgsqlParameter { Value = v });
        }

        batch.BatchCommands.Add(session);
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT pg_notify('impact_events', '')"));
        batch.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
        await batch.ExecuteNonQueryAsync(ct);
    }

    /// <summary>The bare processing fed by the same host-like listener from the bare queue.</summary>
    public HostQueueListener BareListener() => new(BareQueue, BarePoison, BareProcessAsync);

    /// <summary>Processed rows of <paramref name="source"/> so far.</summary>
    public async Task<long> ProcessedAsync(string source)
    {
        await using var conn = await Database.DataSource.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM impact.webhook_deliveries WHERE source = @source AND status = 'processed'", new { source });
    }

    /// <summary>
    /// The database check of a run: <paramref name="expected"/> distinct deliveries of <paramref name="source"/>
    /// (session ids with <paramref name="prefix"/>), each stored once, processed, one session and exactly one
    /// event per delivery; nothing left on the queues.
    /// </summary>
    public async Task<DeliveryCheck> CheckAsync(string source, string prefix, long expected, QueueClient queue, QueueClient poison)
    {
        await using var conn = await Database.DataSource.OpenConnectionAsync();
        var rows = await conn.QuerySingleAsync<(long Rows, long Distinct, long Processed)>(
            """
            SELECT count(*), count(DISTINCT delivery_id), count(*) FILTER (WHERE status = 'processed')
            FROM impact.webhook_deliveries WHERE source = @source
            """, new { source });
        var sessions = await conn.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM impact.kintell_sessions WHERE external_id LIKE @p", new { p = prefix + "-%" });
        var events = await conn.QuerySingleAsync<(long Events, long Distinct)>(
            "SELECT count(*), count(DISTINCT correlation_id) FROM impact.events WHERE correlation_id LIKE @p",
            new { p = source + ":%" });
        var queued = await CountAsync(queue);
        var poisoned = await CountAsync(poison);
        return new DeliveryCheck(expected, rows.Rows, rows.Distinct, rows.Processed, sessions, events.Events, events.Distinct, queued, poisoned);
    }

    private static async Task<int> CountAsync(QueueClient queue)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount;
            }
            catch (Exception) when (attempt < 5)
            {
                await Task.Delay(TimeSpan.FromSeconds(5));
            }
        }
    }

    /// <summary>Waits until <paramref name="expected"/> rows of <paramref name="source"/> are processed, or the timeout; returns whether they were.</summary>
    public async Task<bool> TryWaitProcessedAsync(string source, long expected, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (await ProcessedAsync(source) < expected)
        {
            if (DateTime.UtcNow > deadline)
            {
                return false;
            }

            await Task.Delay(50);
        }

        return true;
    }

    /// <summary>Waits until <paramref name="expected"/> rows of <paramref name="source"/> are processed.</summary>
    public async Task WaitProcessedAsync(string source, long expected, TimeSpan timeout)
    {
        if (!await TryWaitProcessedAsync(source, expected, timeout))
        {
            throw new TimeoutException($"{source}: only {await ProcessedAsync(source)} of {expected} processed after {timeout.TotalSeconds:F0} s");
        }
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var q in new[] { Queue, Poison, BareQueue, BarePoison })
        {
            try
            {
                await q.DeleteIfExistsAsync();
            }
            catch (Exception e) when (e is Azure.RequestFailedException or AggregateException or HttpRequestException or TimeoutException)
            {
                // An overloaded Azurite: the queue stays behind (unique name), the report is not lost for it.
                Console.WriteLine($"queue {q.Name} not deleted: {e.GetType().Name}");
            }
        }

        await host.StopAsync();
        host.Dispose();
        await Database.DisposeAsync();
    }
}

/// <summary>What the database and queues hold at the end of a run.</summary>
public sealed record DeliveryCheck(long Expected, long Rows, long DistinctRows, long Processed, long Sessions, long Events,
    long DistinctEvents, int Queued, int Poisoned)
{
    public long Lost => Expected - Processed;

    public long Duplicated => (Rows - DistinctRows) + (Events - DistinctEvents) + Math.Max(0, Sessions - Expected) + Math.Max(0, Events - Expected);

    public bool Ok => Rows == Expected && DistinctRows == Expected && Processed == Expected && Sessions == Expected
                      && Events == Expected && DistinctEvents == Expected && Poisoned == 0;

    public string Row(string path) =>
        $"| {path} | {Expected:N0} | {Rows:N0} | {Processed:N0} | {Sessions:N0} | {Events:N0} ({DistinctEvents:N0} distinct) | {Queued} / {Poisoned} | {Lost} | {Duplicated} | {(Ok ? "yes" : "**NO**")} |";

    public const string Header = """
        | path | deliveries sent | rows | processed | sessions | events | left on queue / poison | lost | duplicated | exactly once |
        |---|---:|---:|---:|---:|---:|---:|---:|---:|---:|
        """;
}
