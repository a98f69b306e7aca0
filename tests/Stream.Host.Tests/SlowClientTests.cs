using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json;
using Impact.StreamHost.Tests.Support;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.AspNetCore.Hosting;
using Impact.TestSupport;

namespace Impact.StreamHost.Tests;

public sealed class SlowClientTests
{
    [Fact]
    public async Task AClientThatStopsReadingDoesNotDelayAFastOneAndIsToldAboutTheGap()
    {
        await using var db = await TestDatabase.CreateAsync();
        // Small socket and response buffers, so a client that stops reading backs up after a few
        // kilobytes instead of the megabytes the kernel would otherwise buffer. A buffer of 300
        // events (instead of 100) gives the fast client slack on a loaded test machine.
        await using var host = await TestStreamHost.StartAsync(db, new Dictionary<string, string?> { ["Stream:ClientBufferSize"] = "300" },
            builder =>
            {
                builder.WebHost.ConfigureKestrel(k =>
                {
                    k.Limits.MaxResponseBufferSize = 8192;
                    // Kestrel cuts a client that reads nothing for ~5 s (minimum data rate); the
                    // writes below can take that long, and this test is about the buffer.
                    k.Limits.MinResponseDataRate = null;
                });
                builder.WebHost.UseSockets(o => o.CreateBoundListenSocket = endpoint =>
                {
                    var socket = SocketTransportOptions.CreateDefaultBoundListenSocket(endpoint);
                    socket.SendBufferSize = 8192; // accepted sockets inherit it
                    return socket;
                });
            });
        var company = await EventWriter.CompanyAsync(db);
        // A tiny receive window for the slow client too.
        using var slowHttp = new HttpClient(new SocketsHttpHandler
        {
            ConnectCallback = async (context, ct) =>
            {
                var socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { ReceiveBufferSize = 4096 };
                await socket.ConnectAsync(context.DnsEndPoint, ct);
                return new NetworkStream(socket, ownsSocket: true);
            },
        }) { BaseAddress = host.BaseAddress, Timeout = Timeout.InfiniteTimeSpan };
        await using var slow = await host.ConnectAsync(company, http: slowHttp);
        await using var fast = await host.ConnectAsync(company);

        const int total = 600;
        var padding = new string('x', 2048);
        long lastWritten = -1;
        var fastReading = ReadUntilAsync(fast, () => Volatile.Read(ref lastWritten));
        var written = new List<long>();
        for (var i = 0; i < total; i++)
        {
            written.Add(await EventWriter.AppendAsync(db, company, i, padding));
            await Task.Delay(2); // about 150 events/s: a steady stream, not one burst
        }

        Volatile.Write(ref lastWritten, written[^1]);
        // The fast client gets everything, with no gap, while the slow one has not read a byte.
        var fastReceived = await fastReading;
        Assert.DoesNotContain(fastReceived, e => e.Event == "gap");
        Assert.Equal(written, fastReceived.Select(e => e.EventId).ToList());

        var slowEvents = new List<long>();
        var gaps = new List<SseMessage>();
        while (slowEvents.Count == 0 || slowEvents[^1] != written[^1])
        {
            var message = await slow.NextEventAsync();
            if (message.Event == "gap")
            {
                gaps.Add(message);
            }
            else
            {
                slowEvents.Add(message.EventId);
            }
        }

        var dropped = gaps.Sum(g => g.Json.GetProperty("dropped").GetInt64());
        Assert.NotEmpty(gaps);
        Assert.True(dropped > 0);
        // Nothing is lost silently: every event was either sent or counted in a gap notice.
        Assert.Equal(total, slowEvents.Count + dropped);
        Assert.Equal(slowEvents.Order().ToList(), slowEvents);
        Assert.Subset(written.ToHashSet(), slowEvents.ToHashSet());

        var stats = await StatsAsync(host);
        Assert.True(stats.GetProperty("eventsDropped").GetInt64() >= dropped);
        Assert.True(stats.GetProperty("eventsSent").GetInt64() >= total + slowEvents.Count);
    }

    [Fact]
    public async Task StatsCountConnectionsPerCompanyAndDisconnectedClientsAreCleanedUp()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var host = await TestStreamHost.StartAsync(db);
        var a = await EventWriter.CompanyAsync(db);
        var b = await EventWriter.CompanyAsync(db);
        var a1 = await host.ConnectAsync(a);
        await using var a2 = await host.ConnectAsync(a);
        await using var b1 = await host.ConnectAsync(b);
        await EventWriter.AppendAsync(db, a, 1);
        await a2.NextEventAsync();

        var before = await StatsAsync(host);
        await a1.DisposeAsync();
        var after = await WaitForStatsAsync(host, s => s.GetProperty("connections").GetInt32() == 2);

        Assert.Equal(3, before.GetProperty("connections").GetInt32());
        Assert.Equal(2, ConnectionsOf(before, a));
        Assert.Equal(1, ConnectionsOf(before, b));
        Assert.True(before.GetProperty("eventsSent").GetInt64() >= 1);
        Assert.True(before.GetProperty("feed").GetProperty("connected").GetBoolean());
        Assert.Equal(1, ConnectionsOf(after, a));
        Assert.Equal(1, ConnectionsOf(after, b));
    }

    [Fact]
    public async Task StatsNeedAnOperatorToken()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var host = await TestStreamHost.StartAsync(db);
        var company = await EventWriter.CompanyAsync(db);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/stream/stats");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TestStreamHost.TokenFor(company));

        using var response = await host.Http.SendAsync(request);

        Assert.Equal(System.Net.HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    /// <summary>Reads until the event with id <paramref name="last"/> (known once the writes are done) has arrived.</summary>
    private static async Task<List<SseMessage>> ReadUntilAsync(SseClient client, Func<long> last)
    {
        var received = new List<SseMessage>();
        while (true)
        {
            // Heartbeats (every second here) wake the loop too, so the last id may become known late.
            var message = await client.NextMessageAsync(TimeSpan.FromSeconds(30));
            if (message.IsEvent)
            {
                received.Add(message);
            }

            if (received.LastOrDefault(m => m.Event != "gap") is { } newest && newest.EventId == last())
            {
                return received;
            }
        }
    }

    private static int ConnectionsOf(JsonElement stats, Guid company) =>
        stats.GetProperty("companies").EnumerateArray()
            .Where(c => c.GetProperty("companyId").GetGuid() == company)
            .Select(c => c.GetProperty("connections").GetInt32())
            .SingleOrDefault();

    private static async Task<JsonElement> StatsAsync(TestStreamHost host)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/stream/stats");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TestStreamHost.OperatorToken());
        using var response = await host.Http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadFromJsonAsync<JsonElement>();
    }

    private static async Task<JsonElement> WaitForStatsAsync(TestStreamHost host, Func<JsonElement, bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var stats = await StatsAsync(host);
            if (condition(stats) || DateTime.UtcNow > deadline)
            {
                return stats;
            }

            await Task.Delay(100);
        }
    }
}
