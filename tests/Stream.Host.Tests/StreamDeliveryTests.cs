using Dapper;
using Impact.Shared.Events;
using Impact.StreamHost.Streaming;
using Impact.StreamHost.Tests.Support;
using Impact.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace Impact.StreamHost.Tests;

public sealed class StreamDeliveryTests
{
    [Fact]
    public async Task EachCompanyReceivesAllOfItsOwnEventsInOrderAndNoneOfTheOthers()
    {
        await using var db = await TestDatabase.CreateAsync();
        // The buffer holds everything written: on a loaded machine the reader falls behind the writers,
        // and this test is about order and isolation, not about dropping (SlowClientTests covers that).
        await using var host = await TestStreamHost.StartAsync(db, new Dictionary<string, string?> { ["Stream:ClientBufferSize"] = "1000" });
        var a = await EventWriter.CompanyAsync(db);
        var b = await EventWriter.CompanyAsync(db);
        await using var clientA = await host.ConnectAsync(a);
        await using var clientB = await host.ConnectAsync(b);

        // Several writers per company at once, as parallel queue triggers would write them.
        const int writersPerCompany = 4, eventsPerWriter = 50;
        const int expected = writersPerCompany * eventsPerWriter;
        var readingA = clientA.EventsAsync(expected, TimeSpan.FromSeconds(60));
        var readingB = clientB.EventsAsync(expected, TimeSpan.FromSeconds(60));
        var writes = new[] { a, b }.SelectMany(company => Enumerable.Range(0, writersPerCompany).Select(w => Task.Run(async () =>
        {
            for (var i = 0; i < eventsPerWriter; i++)
            {
                await EventWriter.AppendAsync(db, company, w * eventsPerWriter + i);
            }
        })));
        await Task.WhenAll(writes);
        var receivedA = await readingA;
        var receivedB = await readingB;

        await using var conn = await db.DataSource.OpenConnectionAsync();
        foreach (var (company, received) in new[] { (a, receivedA), (b, receivedB) })
        {
            // The stream's order is commit order: (transaction id, row id).
            var stored = (await conn.QueryAsync<long>(
                "SELECT id FROM impact.events WHERE company_id = @company ORDER BY tx_id, id", new { company })).ToList();
            Assert.Equal(stored, received.Select(e => e.EventId).ToList());
            Assert.All(received, e =>
            {
                Assert.Equal(EventTypes.SessionCompleted, e.Event);
                Assert.Equal(company, e.Json.GetProperty("companyId").GetGuid());
                Assert.Equal(EventTypes.SessionCompleted, e.Json.GetProperty("type").GetString());
                Assert.True(e.Json.GetProperty("data").TryGetProperty("sequence", out _));
            });
        }
    }

    [Fact]
    public async Task WithoutAResumePointOnlyEventsWrittenAfterConnectingArrive()
    {
        await using var db = await TestDatabase.CreateAsync();
        var company = await EventWriter.CompanyAsync(db);
        var old = await EventWriter.AppendManyAsync(db, company, 5);
        await using var host = await TestStreamHost.StartAsync(db);
        await host.CaughtUpAsync(db, old[^1]);

        await using var client = await host.ConnectAsync(company);
        var hello = await client.NextMessageAsync();
        var fresh = await EventWriter.AppendAsync(db, company, 99);
        var first = await client.NextEventAsync();

        Assert.Equal(500, hello.Retry);
        Assert.Equal(old[^1], hello.EventId); // where a reconnect would resume
        Assert.Equal(fresh, first.EventId);
        Assert.Equal(99, first.Json.GetProperty("data").GetProperty("sequence").GetInt32());
    }

    [Fact]
    public async Task AnEventWhoseTransactionCommitsAfterANewerOneIsStillDelivered()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var host = await TestStreamHost.StartAsync(db);
        var company = await EventWriter.CompanyAsync(db);
        await using var client = await host.ConnectAsync(company);

        // The slow transaction takes the smaller id but commits last.
        await using var slowConn = await db.DataSource.OpenConnectionAsync();
        await using var slowTx = await slowConn.BeginTransactionAsync();
        var early = await EventLog.AppendAsync(slowConn, slowTx, EventTypes.SessionCompleted, company, new { sequence = 1 });
        var late = await EventWriter.AppendAsync(db, company, 2);
        Assert.True(early < late);
        // The feed must have read the newer row while the slow transaction is open, and not moved past it.
        await FeedReadAfterAsync(db, late);
        var slowXid = ulong.Parse(await slowConn.ExecuteScalarAsync<string>("SELECT pg_current_xact_id()::text", transaction: slowTx) ?? "",
            System.Globalization.CultureInfo.InvariantCulture);
        var published = host.App.Services.GetRequiredService<StreamHub>().Published;
        Assert.True(published.Tx < slowXid, $"the feed moved past the open transaction ({published} vs xid {slowXid})");
        await slowTx.CommitAsync();

        var received = await client.EventsAsync(2);

        Assert.Equal([early, late], received.Select(e => e.EventId).ToArray());
    }

    [Fact]
    public async Task EveryEventArrivesWhileTheListenConnectionIsKilledRepeatedly()
    {
        await using var db = await TestDatabase.CreateAsync();
        // The buffer holds all 150: the client is read only after the writer finishes.
        await using var host = await TestStreamHost.StartAsync(db, new Dictionary<string, string?> { ["Stream:ClientBufferSize"] = "1000" });
        var company = await EventWriter.CompanyAsync(db);
        await using var client = await host.ConnectAsync(company);

        const int total = 150;
        var writer = Task.Run(async () =>
        {
            var ids = new List<long>();
            for (var i = 0; i < total; i++)
            {
                ids.Add(await EventWriter.AppendAsync(db, company, i));
                await Task.Delay(5);
            }

            return ids;
        });
        var kills = 0;
        await using (var admin = await db.DataSource.OpenConnectionAsync())
        {
            while (!writer.IsCompleted)
            {
                kills += await admin.ExecuteScalarAsync<int>(
                    """
                    SELECT count(*)::int FROM (
                        SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                        WHERE datname = current_database() AND application_name = 'impact-stream-feed') killed
                    """);
                await Task.Delay(150);
            }
        }

        var written = await writer;
        var received = await client.EventsAsync(total);

        Assert.True(kills >= 2, $"the LISTEN connection was killed {kills} time(s)");
        Assert.Equal(written, received.Select(e => e.EventId).ToList());
    }

    [Fact]
    public async Task TwentyClientsShareOneListenConnection()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var host = await TestStreamHost.StartAsync(db);
        var companies = new[] { await EventWriter.CompanyAsync(db), await EventWriter.CompanyAsync(db) };
        var clients = new List<SseClient>();
        for (var i = 0; i < 20; i++)
        {
            clients.Add(await host.ConnectAsync(companies[i % 2]));
        }

        await EventWriter.AppendAsync(db, companies[0], 1);
        await EventWriter.AppendAsync(db, companies[1], 2);
        foreach (var client in clients)
        {
            await client.NextEventAsync();
        }

        await using var conn = await db.DataSource.OpenConnectionAsync();
        var feeds = await conn.ExecuteScalarAsync<int>(
            "SELECT count(*)::int FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'impact-stream-feed'");
        var hostBackends = await conn.ExecuteScalarAsync<int>(
            "SELECT count(*)::int FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()");
        Assert.Equal(1, feeds);
        Assert.True(hostBackends < clients.Count, $"{hostBackends} database sessions for {clients.Count} clients");
        foreach (var client in clients)
        {
            await client.DisposeAsync();
        }
    }

    /// <summary>
    /// Waits until the feed has run two complete reads after event <paramref name="eventId"/> was committed.
    /// Each read ends with the feed's "anything pending?" query, after which its connection stays idle
    /// (waiting for the bell or its poll), so <c>pg_stat_activity</c> shows when each read started: a
    /// read whose check started after the first such check began wholly after the commit.
    /// </summary>
    private static async Task FeedReadAfterAsync(TestDatabase db, long eventId)
    {
        await using var conn = await db.DataSource.OpenConnectionAsync();
        var committedBy = await conn.ExecuteScalarAsync<DateTime>(
            "SELECT clock_timestamp() FROM impact.events WHERE id = @eventId", new { eventId });
        var after = committedBy;
        for (var reads = 0; reads < 2; reads++)
        {
            var deadline = DateTime.UtcNow.AddSeconds(20);
            DateTime? started;
            while ((started = await conn.ExecuteScalarAsync<DateTime?>(
                       $"""
                       SELECT query_start FROM pg_stat_activity
                       WHERE datname = current_database() AND application_name = '{EventFeed.ApplicationName}'
                         AND state = 'idle' AND query LIKE 'SELECT EXISTS%' AND query_start > @after
                       """, new { after })) is null)
            {
                Assert.True(DateTime.UtcNow < deadline, "the feed did not read the events table after the commit");
                await Task.Delay(5);
            }

            after = started.Value;
        }
    }
}
