using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Dapper;
using Impact.Shared.Security;
using Impact.StreamHost.Security;
using Impact.StreamHost.Streaming;
using Impact.StreamHost.Tests.Support;
using Impact.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Impact.StreamHost.Tests;

public sealed class HostTests
{
    [Fact]
    public async Task TheStreamStartsWithARetryHintAndSendsHeartbeatCommentsWhenIdle()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var host = await TestStreamHost.StartAsync(db);
        var company = await EventWriter.CompanyAsync(db);

        await using var client = await host.ConnectAsync(company);
        var hello = await client.NextMessageAsync();
        var heartbeat = await client.NextMessageAsync(TimeSpan.FromSeconds(5));

        Assert.Equal("text/event-stream", client.Response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(500, hello.Retry);
        Assert.Equal("heartbeat", heartbeat.Comment);
        Assert.False(heartbeat.IsEvent);
    }

    [Fact]
    public async Task HealthIsHealthyWhileTheFeedListens()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var host = await TestStreamHost.StartAsync(db);
        await host.App.Services.GetRequiredService<StreamHub>().Started.WaitAsync(TimeSpan.FromSeconds(10));

        using var response = await host.Http.GetAsync("/health");
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Healthy", body.GetProperty("status").GetString());
        Assert.Equal("Healthy", body.GetProperty("checks").GetProperty("event-feed").GetProperty("status").GetString());
    }

    [Theory]
    [InlineData("Stream:ClientBufferSize", "0", "ClientBufferSize")]
    [InlineData("Stream:HeartbeatSeconds", "60", "HeartbeatSeconds")]
    [InlineData("Jwt:CompanyClaim", "", "CompanyClaim")]
    [InlineData("Jwt:SigningKey", "short", "Jwt:SigningKey")]
    [InlineData("Jwt:Authority", "http://not-https.example", "Jwt:Authority")]
    public async Task InvalidSettingsStopTheHostAtStartUp(string key, string value, string message)
    {
        await using var app = TestStreamHost.Build("Host=127.0.0.1;Database=unused", new Dictionary<string, string?> { [key] = value });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => app.StartAsync());

        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ThePurgeDeletesEventsOlderThanTheReplayWindowButKeepsTheNewest()
    {
        await using var db = await TestDatabase.CreateAsync();
        var company = await EventWriter.CompanyAsync(db);
        var ids = await EventWriter.AppendManyAsync(db, company, 4);
        await using var conn = await db.DataSource.OpenConnectionAsync();
        // Two old ones, one recent, and the newest also old (it stays as a resume anchor).
        await conn.ExecuteAsync("UPDATE impact.events SET occurred_at = now() - interval '30 hours' WHERE id = ANY(@old)",
            new { old = new[] { ids[0], ids[1], ids[3] } });
        await JourneysPassedEverythingAsync(conn);
        await using var host = await TestStreamHost.StartAsync(db);

        await host.App.Services.GetRequiredService<EventRetention>().PurgeAsync(CancellationToken.None);

        var left = (await conn.QueryAsync<long>("SELECT id FROM impact.events ORDER BY id")).ToList();
        Assert.Equal([ids[2], ids[3]], left);
    }

    [Fact]
    public async Task ThePurgeKeepsOldEventsTheServiceBusRelayHasNotPublishedYet()
    {
        await using var db = await TestDatabase.CreateAsync();
        var company = await EventWriter.CompanyAsync(db);
        var ids = await EventWriter.AppendManyAsync(db, company, 4);
        await using var conn = await db.DataSource.OpenConnectionAsync();
        await conn.ExecuteAsync("UPDATE impact.events SET occurred_at = now() - interval '30 hours' WHERE id = ANY(@old)",
            new { old = new[] { ids[0], ids[1], ids[2] } });
        // The relay has published the first event only.
        await conn.ExecuteAsync(
            "INSERT INTO impact.event_cursors (name, last_tx_id, last_event_id) SELECT 'servicebus', tx_id, id FROM impact.events WHERE id = @id",
            new { id = ids[0] });
        await JourneysPassedEverythingAsync(conn);
        await using var host = await TestStreamHost.StartAsync(db);

        await host.App.Services.GetRequiredService<EventRetention>().PurgeAsync(CancellationToken.None);

        var left = (await conn.QueryAsync<long>("SELECT id FROM impact.events ORDER BY id")).ToList();
        Assert.Equal([ids[1], ids[2], ids[3]], left);
    }

    // The journey evaluator and the cohort refresher follow the events with cursors of their own (created by migrations 0110
    // and 0120); the purge keeps what any cursor has not passed, so these tests put both at the end, as running consumers would.
    private static Task JourneysPassedEverythingAsync(Npgsql.NpgsqlConnection conn) =>
        conn.ExecuteAsync(
            """
            UPDATE impact.event_cursors c SET last_tx_id = e.tx_id, last_event_id = e.id
            FROM (SELECT tx_id, id FROM impact.events ORDER BY tx_id DESC, id DESC LIMIT 1) e
            WHERE c.name IN ('journeys', 'cohorts')
            """);

    [Fact]
    public async Task TheTokenCommandMintsATokenTheHostAccepts()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var host = await TestStreamHost.StartAsync(db);
        var company = await EventWriter.CompanyAsync(db);
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Jwt:SigningKey"] = TestStreamHost.SigningKey,
            ["Jwt:Issuer"] = TestStreamHost.Issuer,
            ["Jwt:Audience"] = TestStreamHost.Audience,
        }).Build();
        using var output = new StringWriter();
        using var error = new StringWriter();
        using var operatorOutput = new StringWriter();

        var exit = LocalTokens.RunCommand(["--company", company.ToString()], configuration, output, error);
        var minted = output.ToString().Trim();
        var token = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(minted);
        var operatorExit = LocalTokens.RunCommand(["--operator"], configuration, operatorOutput, error);

        Assert.Equal(0, exit);
        Assert.Equal(company.ToString(), token.GetClaim("company_id").Value);
        Assert.Equal(TestStreamHost.Issuer, token.Issuer);
        Assert.Equal(2, LocalTokens.RunCommand([], configuration, output, error));

        // The host takes the company token on its stream, and the operator token on the stats endpoint.
        await using (var client = await SseClient.ConnectAsync(host.Http, company, minted, rowOf: host.RowOf))
        {
            Assert.Equal(HttpStatusCode.OK, client.Response.StatusCode);
            var id = await EventWriter.AppendAsync(db, company, 1);
            Assert.Equal(id, (await client.NextEventAsync()).EventId);
        }

        Assert.Equal(0, operatorExit);
        var operatorToken = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(operatorOutput.ToString().Trim());
        Assert.Equal([Roles.Operator], operatorToken.GetPayloadValue<string[]>("roles"));
        Assert.False(operatorToken.TryGetClaim("company_id", out _));
        using var stats = new HttpRequestMessage(HttpMethod.Get, "/v1/stream/stats");
        stats.Headers.Authorization = new AuthenticationHeaderValue("Bearer", operatorOutput.ToString().Trim());
        using var statsResponse = await host.Http.SendAsync(stats);
        Assert.Equal(HttpStatusCode.OK, statsResponse.StatusCode);
        using var anonymous = await host.Http.GetAsync("/v1/stream/stats");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
    }

    [Fact]
    public async Task TheTokenCommandMintsAPrincipalNameRolesAndCompanyThatBothHostsAccept()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var host = await TestStreamHost.StartAsync(db);
        var company = await EventWriter.CompanyAsync(db);
        var settings = new Dictionary<string, string?>
        {
            ["Jwt:SigningKey"] = TestStreamHost.SigningKey,
            ["Jwt:Issuer"] = TestStreamHost.Issuer,
            ["Jwt:Audience"] = TestStreamHost.Audience,
        };
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        using var output = new StringWriter();
        using var error = new StringWriter();

        var exit = LocalTokens.RunCommand(
            ["--company", company.ToString(), "--role", Roles.CompanyAdmin, "--role", Roles.PrivacyOfficer, "--sub", "alice", "--name", "Alice Example", "--hours", "2"],
            configuration, output, error);
        var minted = output.ToString().Trim();
        var token = new Microsoft.IdentityModel.JsonWebTokens.JsonWebToken(minted);

        Assert.Equal(0, exit);
        Assert.Equal("alice", token.Subject);
        Assert.Equal("Alice Example", token.GetClaim("name").Value);
        Assert.Equal([Roles.CompanyAdmin, Roles.PrivacyOfficer], token.GetPayloadValue<string[]>("roles"));
        Assert.Equal(company.ToString(), token.GetClaim("company_id").Value);
        Assert.InRange(token.ValidTo - token.ValidFrom, TimeSpan.FromHours(2) - TimeSpan.FromSeconds(1), TimeSpan.FromHours(2) + TimeSpan.FromSeconds(1));

        // The Functions app's validator (Impact.Shared.Security.BearerTokens, same Jwt settings) reads the same caller ...
        var jwt = configuration.GetSection(Impact.Shared.Security.JwtOptions.Section).Get<Impact.Shared.Security.JwtOptions>()!;
        var caller = await new BearerTokens(Options.Create(jwt)).AuthenticateAsync($"Bearer {minted}");
        Assert.Equal(("alice", "Alice Example", (Guid?)company), (caller.Principal, caller.Name, caller.CompanyId));
        Assert.Equal([Roles.CompanyAdmin, Roles.PrivacyOfficer], caller.Roles);

        // ... and the SSE host streams to it.
        await using (var client = await SseClient.ConnectAsync(host.Http, company, minted, rowOf: host.RowOf))
        {
            Assert.Equal(HttpStatusCode.OK, client.Response.StatusCode);
            var id = await EventWriter.AppendAsync(db, company, 1);
            Assert.Equal(id, (await client.NextEventAsync()).EventId);
        }

        // An unknown role, or neither a company nor --operator, is a usage error.
        Assert.Equal(2, LocalTokens.RunCommand(["--company", company.ToString(), "--role", "stream.operator"], configuration, output, error));
        Assert.Equal(2, LocalTokens.RunCommand(["--role", Roles.CompanyAdmin], configuration, output, error));
        Assert.Contains("Impact.Operator", error.ToString(), StringComparison.Ordinal);
    }
}
