using System.Net;
using Dapper;
using Impact.StreamHost.Tests.Support;
using Impact.TestSupport;

namespace Impact.StreamHost.Tests;

public sealed class ResumeTests
{
    [Theory]
    [InlineData(false)] // Last-Event-ID header, as EventSource sends it on reconnect
    [InlineData(true)]  // ?lastEventId= for clients that cannot set headers
    public async Task ReconnectingAfterEventNReplaysExactlyTheEventsAfterItInOrder(bool viaQuery)
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var host = await TestStreamHost.StartAsync(db);
        var company = await EventWriter.CompanyAsync(db);
        var other = await EventWriter.CompanyAsync(db);

        var first = new List<long>();
        string lastSeen;
        await using (var client = await host.ConnectAsync(company))
        {
            for (var i = 0; i < 10; i++)
            {
                first.Add(await EventWriter.AppendAsync(db, company, i));
                await EventWriter.AppendAsync(db, other, i);
            }

            var received = await client.EventsAsync(6);
            lastSeen = received[^1].Id!;
            Assert.Equal(first[..6], received.Select(e => e.EventId).ToList());
        }

        var later = new List<long>();
        for (var i = 10; i < 15; i++)
        {
            later.Add(await EventWriter.AppendAsync(db, company, i));
            await EventWriter.AppendAsync(db, other, i);
        }

        await using var resumed = await host.ConnectAsync(company, lastSeen, viaQuery);
        var replayed = await resumed.EventsAsync(9);
        var live = await EventWriter.AppendAsync(db, company, 15);
        var next = await resumed.NextEventAsync();

        Assert.Equal(first[6..].Concat(later).ToList(), replayed.Select(e => e.EventId).ToList());
        Assert.Equal(live, next.EventId);
    }

    [Fact]
    public async Task AResumePointOlderThanTheReplayWindowGetsAResetAndThenNewEvents()
    {
        await using var db = await TestDatabase.CreateAsync();
        var company = await EventWriter.CompanyAsync(db);
        var old = await EventWriter.AppendAsync(db, company, 1);
        var newer = await EventWriter.AppendAsync(db, company, 2);
        await using (var conn = await db.DataSource.OpenConnectionAsync())
        {
            await conn.ExecuteAsync("UPDATE impact.events SET occurred_at = now() - interval '25 hours' WHERE id = @old", new { old });
        }

        await using var host = await TestStreamHost.StartAsync(db);
        await host.CaughtUpAsync(db, newer);
        var oldId = await host.IdOfAsync(old);
        await using var client = await host.ConnectAsync(company, lastEventId: oldId);
        var reset = await client.NextEventAsync();
        var fresh = await EventWriter.AppendAsync(db, company, 3);
        var next = await client.NextEventAsync();

        Assert.Equal("reset", reset.Event);
        Assert.Equal(oldId, reset.Json.GetProperty("lastEventId").GetString());
        Assert.Contains("replay window", reset.Json.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(newer, reset.EventId); // a reconnect after the reset resumes from here
        Assert.Equal(fresh, next.EventId);
    }

    [Fact]
    public async Task AResumePointThatWasPurgedGetsAReset()
    {
        await using var db = await TestDatabase.CreateAsync();
        var company = await EventWriter.CompanyAsync(db);
        await using var host = await TestStreamHost.StartAsync(db);

        await using var client = await host.ConnectAsync(company, lastEventId: Guid.NewGuid().ToString());
        var reset = await client.NextEventAsync();

        Assert.Equal("reset", reset.Event);
    }

    [Fact]
    public async Task AResumePointThatIsNotAnEventIdIsABadRequest()
    {
        await using var db = await TestDatabase.CreateAsync();
        var company = await EventWriter.CompanyAsync(db);
        await using var host = await TestStreamHost.StartAsync(db);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/stream/updates");
        request.Headers.Authorization = new("Bearer", TestStreamHost.TokenFor(company));
        request.Headers.Add("Last-Event-ID", "1234"); // the old numeric ids are not ids any more

        using var response = await host.Http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Last-Event-ID header must be the id of an event", body, StringComparison.Ordinal);
    }
}
