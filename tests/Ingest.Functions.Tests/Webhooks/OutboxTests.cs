using System.Net;
using System.Net.Sockets;
using Dapper;
using Impact.Ingest.Webhooks;
using Impact.TestSupport;

namespace Impact.Ingest.Tests.Webhooks;

public sealed class OutboxTests
{
    [Fact]
    public async Task WhenTheQueueIsUnreachableTheDeliveryIsKeptAndProcessedOnceItIsBack()
    {
        // A storage endpoint where nothing listens: the queue is down.
        var deadPort = FreePort();
        var unreachable = TestStorage.ConnectionString.Replace(
            $"127.0.0.1:{LocalServices.Settings.AzuriteQueuePort}", $"127.0.0.1:{deadPort}", StringComparison.Ordinal);
        await using var down = await TestApp.StartAsync(new Dictionary<string, string?> { ["AzureWebJobsStorage"] = unreachable });

        var response = await HttpInvoker.InvokeAsync(Kintell.Signed("session-completed", "d-out", Kintell.Json(Kintell.Session("s-out"))),
            r => down.Function<KintellWebhook>().ReceiveKintellWebhook(r, "session-completed", CancellationToken.None));

        Assert.Equal(503, response.Status);
        Assert.Equal("Queue unavailable", response.Json.GetProperty("title").GetString());
        Assert.Equal("60", response.Headers.RetryAfter.ToString());
        await using var conn = await down.Database.DataSource.OpenConnectionAsync();
        Assert.Equal("received", await conn.ExecuteScalarAsync<string>("SELECT status FROM impact.webhook_deliveries WHERE delivery_id = 'd-out'"));

        // The partner retries while the queue is still down: a duplicate, not a second row.
        var retry = await HttpInvoker.InvokeAsync(Kintell.Signed("session-completed", "d-out", Kintell.Json(Kintell.Session("s-out"))),
            r => down.Function<KintellWebhook>().ReceiveKintellWebhook(r, "session-completed", CancellationToken.None));
        Assert.Equal(200, retry.Status);

        // The queue is back: the same database, served by an app whose queue works.
        await using var up = await TestApp.StartAsync(new Dictionary<string, string?> { ["Postgres:ConnectionString"] = down.Database.ConnectionString });
        await up.Function<WebhookMaintenance>().SweepWebhookOutbox(null!, CancellationToken.None);
        await up.Function<WebhookMaintenance>().SweepWebhookOutbox(null!, CancellationToken.None);
        var triggers = up.Function<WebhookQueueTriggers>();
        var messages = (await up.Queue.PeekMessagesAsync(32)).Value;
        Assert.Single(messages);
        await new QueueHost(up.Queue, up.PoisonQueue).DrainAsync(m => triggers.ProcessWebhook(m, CancellationToken.None));

        Assert.Equal("processed", await conn.ExecuteScalarAsync<string>("SELECT status FROM impact.webhook_deliveries WHERE delivery_id = 'd-out'"));
        Assert.Equal(1, await conn.ExecuteScalarAsync<int>("SELECT count(*) FROM impact.kintell_sessions WHERE external_id = 's-out'"));
        Assert.Equal(1, await conn.ExecuteScalarAsync<int>("SELECT count(*) FROM impact.events"));
    }

    [Fact]
    public async Task TheSweeperLeavesFreshAndQueuedDeliveriesAlone()
    {
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?> { ["Webhooks:SweepAfterSeconds"] = "3600" });
        await using var conn = await app.Database.DataSource.OpenConnectionAsync();
        await conn.ExecuteAsync(
            """
            INSERT INTO impact.webhook_deliveries (source, delivery_id, event_type, payload_hash, payload, status, received_at)
            VALUES ('kintell', 'fresh', 'session-completed', 'h1', '{}', 'received', now()),
                   ('kintell', 'old-queued', 'session-completed', 'h2', '{}', 'queued', now() - interval '2 hours'),
                   ('kintell', 'old-received', 'session-completed', 'h3', '{}', 'received', now() - interval '2 hours')
            """);

        await app.Function<WebhookMaintenance>().SweepWebhookOutbox(null!, CancellationToken.None);

        var messages = (await app.Queue.PeekMessagesAsync(32)).Value;
        Assert.Equal(["old-received"], messages.Select(m => Impact.Shared.Webhooks.WebhookQueue.Parse(m.Body.ToString()).DeliveryId));
        Assert.Equal(["fresh"], await conn.QueryAsync<string>("SELECT delivery_id FROM impact.webhook_deliveries WHERE status = 'received'"));
    }

    [Fact]
    public async Task PurgeForgetsOnlyFinishedDeliveriesPastRetention()
    {
        await using var app = await TestApp.StartAsync(new Dictionary<string, string?> { ["Webhooks:RetentionHours"] = "72" });
        await using var conn = await app.Database.DataSource.OpenConnectionAsync();
        await conn.ExecuteAsync(
            """
            INSERT INTO impact.webhook_deliveries (source, delivery_id, event_type, payload_hash, payload, status, received_at)
            VALUES ('kintell', 'old-done', 'session-completed', 'h1', '{}', 'processed', now() - interval '73 hours'),
                   ('kintell', 'recent-done', 'session-completed', 'h2', '{}', 'processed', now() - interval '71 hours'),
                   ('kintell', 'old-dead', 'session-completed', 'h3', '{}', 'dead_lettered', now() - interval '300 hours')
            """);

        await app.Function<WebhookMaintenance>().PurgeWebhookDeliveries(null!, CancellationToken.None);

        Assert.Equal(["old-dead", "recent-done"], await conn.QueryAsync<string>("SELECT delivery_id FROM impact.webhook_deliveries ORDER BY 1"));
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
