using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Dapper;
using Impact.Shared.Events;
using Impact.Shared.Security;
using Impact.StreamHost.Security;
using Impact.StreamHost.Tests.Support;
using Impact.TestSupport;
using Impact.TestSupport.Security;
using Microsoft.Extensions.Options;

namespace Impact.StreamHost.Tests;

/// <summary>Issue 10 on the SSE host: tenancy of ids, privacy events, token expiry, the development key.</summary>
public sealed class IdentityTests
{
    [Fact]
    public async Task APrivacyEventOfTheCompanyIsNeverDeliveredLiveNorOnReplay()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var host = await TestStreamHost.StartAsync(db);
        var company = await EventWriter.CompanyAsync(db);

        List<SseMessage> live;
        await using (var client = await host.ConnectAsync(company))
        {
            var before = await EventWriter.AppendAsync(db, company, 1);
            await EventWriter.AppendAsync(db, company, 2, type: EventTypes.PrivacyUserDeleted);
            await EventWriter.AppendAsync(db, company, 3, type: EventTypes.PrivacyExportCompleted);
            var after = await EventWriter.AppendAsync(db, company, 4);
            live = await client.EventsAsync(2);
            Assert.Equal([before, after], live.Select(e => e.EventId).ToArray());
        }

        // Replays: after the event before it, and the whole window.
        await using var resumed = await host.ConnectAsync(company, lastEventId: live[0].Id);
        var replayed = await resumed.NextEventAsync();
        await using var earliest = await host.ConnectAsync(company, lastEventId: "earliest");
        var window = await earliest.EventsAsync(2);
        var marker = await EventWriter.AppendAsync(db, company, 5);

        Assert.Equal(live[1].EventId, replayed.EventId);
        Assert.Equal(marker, (await resumed.NextEventAsync()).EventId); // nothing else came in between
        Assert.Equal(live.Select(e => e.EventId), window.Select(e => e.EventId));
        Assert.Equal(marker, (await earliest.NextEventAsync()).EventId);
        Assert.All(live.Concat(window).Append(replayed), e => Assert.DoesNotContain("privacy", e.Event, StringComparison.Ordinal));
    }

    [Fact]
    public async Task EventIdsRevealNothingAboutOtherCompaniesTrafficAndResumeWorks()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var host = await TestStreamHost.StartAsync(db);
        var a = await EventWriter.CompanyAsync(db);
        var b = await EventWriter.CompanyAsync(db);
        await EventWriter.AppendManyAsync(db, b, 5);

        string helloId;
        List<SseMessage> received;
        await using (var client = await host.ConnectAsync(a))
        {
            helloId = (await client.NextMessageAsync()).Id!;
            await EventWriter.AppendAsync(db, a, 1);
            await EventWriter.AppendManyAsync(db, b, 40);
            await EventWriter.AppendAsync(db, a, 2);
            received = await client.EventsAsync(2);
        }

        // No counter anywhere: the first frame's id and the events' ids are the events' own random UUIDs.
        Assert.Equal("earliest", helloId); // company A had no event yet
        foreach (var e in received)
        {
            Assert.False(long.TryParse(e.Id, NumberStyles.Any, CultureInfo.InvariantCulture, out _), $"id '{e.Id}' is a number");
            Assert.True(Guid.TryParseExact(e.Id, "D", out var id));
            Assert.Equal(id, e.Json.GetProperty("id").GetGuid());
        }

        // Resuming with the first id gives the second event; B's events never show.
        await using var resumed = await host.ConnectAsync(a, lastEventId: received[0].Id);
        Assert.Equal(received[1].Id, (await resumed.NextEventAsync()).Id);
        // A reconnect without an id later starts with the newest event of A, not with anything of B.
        await using var again = await host.ConnectAsync(a);
        Assert.Equal(received[1].Id, (await again.NextMessageAsync()).Id);
    }

    [Fact]
    public async Task AnotherCompanysEventIdIsNoResumePoint()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var host = await TestStreamHost.StartAsync(db);
        var a = await EventWriter.CompanyAsync(db);
        var b = await EventWriter.CompanyAsync(db);
        var ofA = await EventWriter.AppendAsync(db, a, 1);
        var ofB = await EventWriter.AppendAsync(db, b, 1);
        await EventWriter.AppendAsync(db, b, 2);
        await host.CaughtUpAsync(db, ofB);

        await using var client = await host.ConnectAsync(a, lastEventId: await host.IdOfAsync(ofB));
        var reset = await client.NextEventAsync();

        // The same answer as for an id that was purged: a reset, with A's own newest event as the anchor.
        Assert.Equal("reset", reset.Event);
        Assert.Equal(ofA, reset.EventId);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task EarliestReplaysTheWholeReplayWindowThenLiveEvents(bool viaQuery)
    {
        await using var db = await TestDatabase.CreateAsync();
        var company = await EventWriter.CompanyAsync(db);
        var other = await EventWriter.CompanyAsync(db);
        var outside = await EventWriter.AppendAsync(db, company, 0);
        var inside = await EventWriter.AppendManyAsync(db, company, 3);
        var last = await EventWriter.AppendAsync(db, other, 1);
        await using (var conn = await db.DataSource.OpenConnectionAsync())
        {
            await conn.ExecuteAsync("UPDATE impact.events SET occurred_at = now() - interval '25 hours' WHERE id = @outside", new { outside });
        }

        await using var host = await TestStreamHost.StartAsync(db);
        await host.CaughtUpAsync(db, last);

        await using var client = await host.ConnectAsync(company, lastEventId: "earliest", viaQuery: viaQuery);
        var window = await client.EventsAsync(3);
        var fresh = await EventWriter.AppendAsync(db, company, 9);

        Assert.Equal(inside, window.Select(e => e.EventId).ToList());
        Assert.Equal(fresh, (await client.NextEventAsync()).EventId);
    }

    [Theory]
    [InlineData("\0", true)]
    [InlineData("\u0001", true)]
    [InlineData("0b5e7f9c-3d2a-4c1b-9e8f-7a6b5c4d3e2f\0", true)]
    [InlineData("earliest\u007f", false)]
    [InlineData("\u0001", false)]
    public async Task AControlCharacterInTheLastEventIdIsA400Problem(string value, bool viaQuery)
    {
        await using var db = await TestDatabase.CreateAsync();
        var company = await EventWriter.CompanyAsync(db);
        await using var host = await TestStreamHost.StartAsync(db);
        using var request = new HttpRequestMessage(HttpMethod.Get,
            "/v1/stream/updates" + (viaQuery ? $"?lastEventId={Uri.EscapeDataString(value)}" : ""));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TestStreamHost.TokenFor(company));
        if (!viaQuery)
        {
            Assert.True(request.Headers.TryAddWithoutValidation("Last-Event-ID", value));
        }

        using var response = await host.Http.SendAsync(request);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("must not contain control characters", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task ANulInTheLastEventIdHeaderIsA400FromKestrelItself()
    {
        // Kestrel refuses a NUL in any header value as a malformed request (400, no body) before the app
        // sees it; in the query (EventSource's ?lastEventId=) the app answers with the problem above.
        await using var db = await TestDatabase.CreateAsync();
        var company = await EventWriter.CompanyAsync(db);
        await using var host = await TestStreamHost.StartAsync(db);
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/stream/updates");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TestStreamHost.TokenFor(company));
        Assert.True(request.Headers.TryAddWithoutValidation("Last-Event-ID", "0b5e7f9c-3d2a-4c1b-9e8f-7a6b5c4d3e2f\0"));

        using var response = await host.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.NotEqual("text/event-stream", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task AStreamEndsWhenItsTokenExpiresAndTheSameTokenIsThenRefused()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var host = await TestStreamHost.StartAsync(db); // heartbeat 1 s, clock skew 30 s (the default)
        var company = await EventWriter.CompanyAsync(db);
        var token = TestStreamHost.TokenFor(company, lifetime: TimeSpan.FromSeconds(3));
        var expires = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(token).ValidTo;

        await using var client = await host.ConnectAsync(company, token: token);
        var id = await EventWriter.AppendAsync(db, company, 1);
        Assert.Equal(id, (await client.NextEventAsync()).EventId); // a live stream until then
        var messages = new List<SseMessage>();
        await Assert.ThrowsAsync<EndOfStreamException>(async () =>
        {
            while (true)
            {
                messages.Add(await client.NextMessageAsync(TimeSpan.FromSeconds(15)));
            }
        });
        var ended = DateTime.UtcNow;

        Assert.True(ended >= expires, $"the stream ended at {ended:O}, before the token's exp {expires:O}");
        var last = messages[^1];
        Assert.Equal("expired", last.Event);
        Assert.Null(last.Id); // the client keeps its last event id for the reconnect
        Assert.Contains("Reconnect with a new token", last.Json.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.All(messages[..^1], m => Assert.Equal("heartbeat", m.Comment));

        // Within the clock skew the bearer handler would still take it; the stream does not.
        using var again = new HttpRequestMessage(HttpMethod.Get, "/v1/stream/updates");
        again.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var refused = await host.Http.SendAsync(again);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("Bearer", refused.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Contains("has expired", await refused.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        // A new token carries on where the client was.
        await using var renewed = await host.ConnectAsync(company, lastEventId: await host.IdOfAsync(id));
        var next = await EventWriter.AppendAsync(db, company, 2);
        Assert.Equal(next, (await renewed.NextEventAsync()).EventId);
    }

    [Fact]
    public async Task TheCommittedDevelopmentKeyIsRefusedOutsideDevelopment()
    {
        await using var db = await TestDatabase.CreateAsync();
        var withDevelopmentKey = new Dictionary<string, string?> { ["Jwt:SigningKey"] = DevelopmentSecrets.SigningKey };
        await using var production = TestStreamHost.Build(db.ConnectionString, withDevelopmentKey, environment: "Production");

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => production.StartAsync());

        Assert.Contains("Jwt:SigningKey holds a development secret", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(DevelopmentSecrets.SigningKey, error.Message, StringComparison.Ordinal);
        // In Development the same key is what it is for.
        await using var development = await TestStreamHost.StartAsync(db, withDevelopmentKey, environment: "Development");
        using var health = await development.Http.GetAsync("/health");
        Assert.NotEqual(HttpStatusCode.InternalServerError, health.StatusCode);
    }

    [Fact]
    public async Task WithAnAuthorityOnlyItsRs256TokensGetInNotLocalHs256Ones()
    {
        await using var idp = await LocalIdentityProvider.StartAsync();
        await using var db = await TestDatabase.CreateAsync();
        await using var host = await TestStreamHost.StartAsync(db, new Dictionary<string, string?>
        {
            ["Jwt:Authority"] = idp.Authority,
            ["Jwt:Audience"] = "impact-api",
        });
        var company = await EventWriter.CompanyAsync(db);

        await using (var client = await host.ConnectAsync(company, token: idp.Token("impact-api", new TokenClaims("oid-1", company, []))))
        {
            var id = await EventWriter.AppendAsync(db, company, 1);
            Assert.Equal(id, (await client.NextEventAsync()).EventId);
        }

        // A local token, even for the right audience and signed with the configured (ignored) key, is refused.
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/stream/updates");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer",
            TestStreamHost.TokenFor(company, jwt: TestStreamHost.Jwt with { Audience = "impact-api", Issuer = idp.Issuer }));
        using var refused = await host.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task OneSetOfJwtSettingsServesBothHostsAndAnOperatorNeedsImpactOperator()
    {
        // The host's own settings files and the Functions app's sample name the same issuer, audience and key.
        var root = LocalServices.RepositoryRoot;
        var stream = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(root, "src/Stream.Host/appsettings.json"))).RootElement.GetProperty("Jwt");
        var streamDevelopment = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(root, "src/Stream.Host/appsettings.Development.json"))).RootElement.GetProperty("Jwt");
        var sample = JsonDocument.Parse(await File.ReadAllTextAsync(Path.Combine(root, "local.settings.sample.json"))).RootElement.GetProperty("Values");
        Assert.Equal(sample.GetProperty("Jwt__Issuer").GetString(), stream.GetProperty("Issuer").GetString());
        Assert.Equal(sample.GetProperty("Jwt__Audience").GetString(), stream.GetProperty("Audience").GetString());
        Assert.Equal(sample.GetProperty("Jwt__CompanyClaim").GetString(), stream.GetProperty("CompanyClaim").GetString());
        Assert.Equal(sample.GetProperty("Jwt__SigningKey").GetString(), streamDevelopment.GetProperty("SigningKey").GetString());

        // A company admin's token is not an operator's: /v1/stream/stats needs Impact.Operator.
        await using var db = await TestDatabase.CreateAsync();
        await using var host = await TestStreamHost.StartAsync(db);
        var company = await EventWriter.CompanyAsync(db);
        var admin = LocalTokens.Create(TestStreamHost.Jwt, LocalCaller.Company(company, Roles.CompanyAdmin), DateTimeOffset.UtcNow, TimeSpan.FromHours(1));
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/stream/stats");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", admin);
        using var forbidden = await host.Http.SendAsync(request);
        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        var detail = JsonDocument.Parse(await forbidden.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString();
        Assert.Contains("'Impact.Operator' role", detail, StringComparison.Ordinal);
    }
}
