using Dapper;
using Impact.Ingest.Webhooks;
using Impact.TestSupport;

namespace Impact.Ingest.Tests.Webhooks;

public sealed class WebhookProcessingTests
{
    private static async Task PostAndProcess(TestApp app, string kind, string deliveryId, object payload)
    {
        var response = await HttpInvoker.InvokeAsync(Kintell.Signed(kind, deliveryId, Kintell.Json(payload)),
            r => app.Function<KintellWebhook>().ReceiveKintellWebhook(r, kind, CancellationToken.None));
        Assert.Equal(202, response.Status);
        var triggers = app.Function<WebhookQueueTriggers>();
        Assert.Equal(0, await new QueueHost(app.Queue, app.PoisonQueue).DrainAsync(m => triggers.ProcessWebhook(m, CancellationToken.None)));
    }

    [Fact]
    public async Task ACompletedSessionLeavesTheSessionBothPeopleAndOneEvent()
    {
        await using var app = await TestApp.StartAsync();
        await using var conn = await app.Database.DataSource.OpenConnectionAsync();
        var acme = await conn.ExecuteScalarAsync<Guid>("INSERT INTO impact.companies (name, email_domain) VALUES ('Acme', 'acme.example') RETURNING id");

        await PostAndProcess(app, "session-completed", "d-s1", Kintell.Session("s-1", participant: "Refugee@Example.org", volunteer: "ana@acme.example"));

        var session = await conn.QuerySingleAsync<(string SessionType, int DurationMinutes, string LanguageLevel, Guid CompanyId, string P, string V, string[] Topics)>(
            """
            SELECT s.session_type, s.duration_minutes, s.language_level, s.company_id, p.email, v.email, s.topics
            FROM impact.kintell_sessions s
            JOIN impact.users p ON p.id = s.participant_id
            JOIN impact.users v ON v.id = s.volunteer_id
            WHERE s.external_id = 's-1'
            """);
        Assert.Equal(("language", 45, "B1", acme, "refugee@example.org", "ana@acme.example"),
            (session.SessionType, session.DurationMinutes, session.LanguageLevel, session.CompanyId, session.P, session.V));
        Assert.Equal(["job interview", "grammar"], session.Topics);
        Assert.Equal(2, await conn.ExecuteScalarAsync<int>("SELECT count(*) FROM impact.users"));
        var evt = await conn.QuerySingleAsync<(string Type, Guid CompanyId, string CorrelationId, string Data)>(
            "SELECT type, company_id, correlation_id, data::text FROM impact.events");
        Assert.Equal(("kintell.session.completed", acme, "kintell:d-s1"), (evt.Type, evt.CompanyId, evt.CorrelationId));
        Assert.DoesNotContain("@", evt.Data, StringComparison.Ordinal);
        Assert.Equal("processed", await conn.ExecuteScalarAsync<string>("SELECT status FROM impact.webhook_deliveries WHERE delivery_id = 'd-s1'"));
    }

    [Fact]
    public async Task RatingsAreStoredRawAndNormalisedAndLinkedToTheRater()
    {
        await using var app = await TestApp.StartAsync();
        await PostAndProcess(app, "session-completed", "d-s", Kintell.Session("s-r"));

        await PostAndProcess(app, "rating-created", "d-r1", Kintell.Rating("r-1", "s-r", 4));
        await PostAndProcess(app, "rating-created", "d-r2", Kintell.Rating("r-2", "s-r", 1, role: "volunteer"));

        await using var conn = await app.Database.DataSource.OpenConnectionAsync();
        var ratings = (await conn.QueryAsync<(string Id, short Rating, double Normalized, string Rater)>(
            """
            SELECT r.external_id, r.rating, r.rating_normalized, u.email
            FROM impact.kintell_ratings r JOIN impact.users u ON u.id = r.rater_id
            ORDER BY r.external_id
            """)).ToList();
        Assert.Equal([("r-1", (short)4, 0.75, "participant@example.org"), ("r-2", (short)1, 0.0, "volunteer@acme.example")], ratings);
        Assert.Equal(2, await conn.ExecuteScalarAsync<int>("SELECT count(*) FROM impact.events WHERE type = 'kintell.rating.created'"));
    }

    [Fact]
    public async Task ABookingIsUpsertedAndAnnouncedAsScheduled()
    {
        await using var app = await TestApp.StartAsync();

        await PostAndProcess(app, "booking-confirmed", "d-b1", Kintell.Booking("b-1"));

        await using var conn = await app.Database.DataSource.OpenConnectionAsync();
        Assert.Equal("mentorship", await conn.ExecuteScalarAsync<string>("SELECT session_type FROM impact.kintell_bookings WHERE external_id = 'b-1'"));
        Assert.Equal(1, await conn.ExecuteScalarAsync<int>("SELECT count(*) FROM impact.events WHERE type = 'kintell.session.scheduled'"));
    }

    [Fact]
    public async Task AMessageDeliveredTwiceIsProcessedOnce()
    {
        await using var app = await TestApp.StartAsync();
        await PostAndProcess(app, "session-completed", "d-twice", Kintell.Session("s-twice"));

        // The queue is at-least-once: the same message again changes nothing.
        await app.Function<WebhookQueueTriggers>().ProcessWebhook("""{"source":"kintell","deliveryId":"d-twice"}""", CancellationToken.None);

        await using var conn = await app.Database.DataSource.OpenConnectionAsync();
        Assert.Equal(1, await conn.ExecuteScalarAsync<int>("SELECT count(*) FROM impact.events"));
        Assert.Equal(1, await conn.ExecuteScalarAsync<int>("SELECT attempts FROM impact.webhook_deliveries"));
    }

    [Fact]
    public async Task ASecondDeliveryOfTheSameSessionUpdatesItInPlace()
    {
        await using var app = await TestApp.StartAsync();
        await PostAndProcess(app, "session-completed", "d-v1", Kintell.Session("s-up", minutes: 30));

        await PostAndProcess(app, "session-completed", "d-v2", Kintell.Session("s-up", minutes: 50));

        await using var conn = await app.Database.DataSource.OpenConnectionAsync();
        Assert.Equal(50, await conn.ExecuteScalarAsync<int>("SELECT duration_minutes FROM impact.kintell_sessions WHERE external_id = 's-up'"));
        Assert.Equal(1, await conn.ExecuteScalarAsync<int>("SELECT count(*) FROM impact.kintell_sessions"));
        Assert.Equal(2, await conn.ExecuteScalarAsync<int>("SELECT count(*) FROM impact.users"));
    }

    [Fact]
    public async Task ASessionRatingOrBookingReSentUnchangedUnderANewDeliveryIdWritesNoSecondEventButAChangeDoes()
    {
        await using var app = await TestApp.StartAsync();
        await using var conn = await app.Database.DataSource.OpenConnectionAsync();

        await PostAndProcess(app, "session-completed", "d-s-a", Kintell.Session("s-same", minutes: 40));
        await PostAndProcess(app, "session-completed", "d-s-b", Kintell.Session("s-same", minutes: 40));
        await PostAndProcess(app, "rating-created", "d-r-a", Kintell.Rating("r-same", "s-same", 4));
        await PostAndProcess(app, "rating-created", "d-r-b", Kintell.Rating("r-same", "s-same", 4));
        await PostAndProcess(app, "booking-confirmed", "d-b-a", Kintell.Booking("b-same"));
        await PostAndProcess(app, "booking-confirmed", "d-b-b", Kintell.Booking("b-same"));

        Assert.Equal(1, await conn.ExecuteScalarAsync<int>("SELECT count(*) FROM impact.events WHERE type = 'kintell.session.completed'"));
        Assert.Equal(1, await conn.ExecuteScalarAsync<int>("SELECT count(*) FROM impact.events WHERE type = 'kintell.rating.created'"));
        Assert.Equal(1, await conn.ExecuteScalarAsync<int>("SELECT count(*) FROM impact.events WHERE type = 'kintell.session.scheduled'"));
        Assert.Equal(6, await conn.ExecuteScalarAsync<int>("SELECT count(*) FROM impact.webhook_deliveries WHERE status = 'processed'"));

        await PostAndProcess(app, "session-completed", "d-s-c", Kintell.Session("s-same", minutes: 55));
        await PostAndProcess(app, "rating-created", "d-r-c", Kintell.Rating("r-same", "s-same", 5));

        Assert.Equal(2, await conn.ExecuteScalarAsync<int>("SELECT count(*) FROM impact.events WHERE type = 'kintell.session.completed'"));
        Assert.Equal(2, await conn.ExecuteScalarAsync<int>("SELECT count(*) FROM impact.events WHERE type = 'kintell.rating.created'"));
        Assert.Equal(55, await conn.ExecuteScalarAsync<int>("SELECT duration_minutes FROM impact.kintell_sessions WHERE external_id = 's-same'"));
    }
}
