using Dapper;
using Impact.Ingest.Tests;
using Impact.Ingest.Tests.Webhooks;
using Impact.Ingest.Webhooks;
using Impact.StreamHost.Tests.Support;
using Impact.TestSupport;

namespace Impact.EndToEnd.Tests;

/// <summary>
/// A partner's webhook travels the whole way: signed request → function → PostgreSQL outbox →
/// Azurite queue → queue function → rows + event → LISTEN/NOTIFY → SSE host on Kestrel → the
/// company's cockpit, and not another company's.
/// </summary>
public sealed class WebhookToCockpitTests
{
    [Fact]
    public async Task ACompletedSessionReachesItsCompanysCockpitOverServerSentEventsAndNoOtherCompanys()
    {
        await using var app = await TestApp.StartAsync();
        Guid acme, other;
        await using (var conn = await app.Database.DataSource.OpenConnectionAsync())
        {
            acme = await conn.ExecuteScalarAsync<Guid>("INSERT INTO impact.companies (name, email_domain) VALUES ('Acme', 'acme.example') RETURNING id");
            other = await conn.ExecuteScalarAsync<Guid>("INSERT INTO impact.companies (name, email_domain) VALUES ('Other', 'other.example') RETURNING id");
        }

        await using var stream = await TestStreamHost.StartAsync(app.Database);
        await using var cockpit = await stream.ConnectAsync(acme);
        await using var otherCockpit = await stream.ConnectAsync(other);

        var accepted = await HttpInvoker.InvokeAsync(
            Kintell.Signed("session-completed", "e2e-1", Kintell.Json(Kintell.Session("e2e-session", volunteer: "ana@acme.example"))),
            r => app.Function<KintellWebhook>().ReceiveKintellWebhook(r, "session-completed", CancellationToken.None));
        Assert.Equal(202, accepted.Status);
        var triggers = app.Function<WebhookQueueTriggers>();
        Assert.Equal(0, await new QueueHost(app.Queue, app.PoisonQueue).DrainAsync(m => triggers.ProcessWebhook(m, CancellationToken.None)));

        var received = await cockpit.NextEventAsync(TimeSpan.FromSeconds(20));

        Assert.Equal("kintell.session.completed", received.Event);
        var envelope = received.Json;
        Assert.Equal(acme, envelope.GetProperty("companyId").GetGuid());
        Assert.Equal("kintell:e2e-1", envelope.GetProperty("correlationId").GetString());
        Assert.Equal("e2e-session", envelope.GetProperty("data").GetProperty("externalId").GetString());
        await using (var conn = await app.Database.DataSource.OpenConnectionAsync())
        {
            Assert.Equal(received.EventId, await conn.ExecuteScalarAsync<long>("SELECT id FROM impact.events WHERE type = 'kintell.session.completed'"));
        }

        // The other company's stream carries heartbeats only.
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => otherCockpit.NextEventAsync(TimeSpan.FromSeconds(2)));
    }
}
