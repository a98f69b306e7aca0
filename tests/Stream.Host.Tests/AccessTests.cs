using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using Dapper;
using Impact.StreamHost.Security;
using Impact.StreamHost.Tests.Support;
using Impact.TestSupport;

namespace Impact.StreamHost.Tests;

public sealed class AccessTests
{
    public static TheoryData<string, string> BadTokens => new()
    {
        { "none", "No access token" },
        { "garbage", "could not be validated" },
        { "wrong-key", "signature is not valid" },
        { "expired", "has expired" },
        { "wrong-audience", "another audience" },
    };

    [Theory]
    [MemberData(nameof(BadTokens))]
    public async Task NoTokenOrABadOneIsRefusedWith401ProblemJson(string kind, string detailSays)
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var host = await TestStreamHost.StartAsync(db);
        var company = await EventWriter.CompanyAsync(db);
        var token = kind switch
        {
            "none" => null,
            "garbage" => "not-a-jwt",
            "wrong-key" => TestStreamHost.TokenFor(company, jwt: TestStreamHost.Jwt with { SigningKey = "another-key-another-key-another-key-42" }),
            "expired" => LocalTokens.Create(TestStreamHost.Jwt, LocalCaller.Company(company), DateTimeOffset.UtcNow.AddHours(-2), TimeSpan.FromHours(1)),
            "wrong-audience" => TestStreamHost.TokenFor(company, jwt: TestStreamHost.Jwt with { Audience = "someone-else" }),
            _ => throw new ArgumentOutOfRangeException(nameof(kind)),
        };
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/stream/updates");
        if (token is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }

        using var response = await host.Http.SendAsync(request);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(401, problem.GetProperty("status").GetInt32());
        Assert.Equal("Authentication required", problem.GetProperty("title").GetString());
        Assert.Contains(detailSays, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Fact]
    public async Task StreamingSwitchedOffForTheCompanyIsRefusedWithAProblemThatSaysSo()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var host = await TestStreamHost.StartAsync(db);
        var company = await EventWriter.CompanyAsync(db, streamingEnabled: false);
        using var request = new HttpRequestMessage(HttpMethod.Get, $"/v1/stream/updates?access_token={TestStreamHost.TokenFor(company)}");

        using var response = await host.Http.SendAsync(request);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;

        Assert.Equal(HttpStatusCode.Forbidden, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Streaming is switched off", problem.GetProperty("title").GetString());
        Assert.Contains($"switched off for company {company}", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task SwitchingStreamingOffEndsTheOpenStreamsOfThatCompanyOnly()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var host = await TestStreamHost.StartAsync(db);
        var off = await EventWriter.CompanyAsync(db);
        var on = await EventWriter.CompanyAsync(db);
        await using var closing = await host.ConnectAsync(off);
        await using var staying = await host.ConnectAsync(on);

        await using (var conn = await db.DataSource.OpenConnectionAsync())
        {
            await conn.ExecuteAsync("UPDATE impact.companies SET streaming_enabled = false WHERE id = @off", new { off });
        }

        // The stream ends (heartbeat interval is 1 s here); heartbeats before that are fine.
        await Assert.ThrowsAsync<EndOfStreamException>(async () =>
        {
            while (true)
            {
                await closing.NextMessageAsync(TimeSpan.FromSeconds(10));
            }
        });
        var id = await EventWriter.AppendAsync(db, on, 1);
        Assert.Equal(id, (await staying.NextEventAsync()).EventId);
        using var again = await host.Http.GetAsync($"/v1/stream/updates?access_token={TestStreamHost.TokenFor(off)}");
        Assert.Equal(HttpStatusCode.Forbidden, again.StatusCode);
    }

    [Fact]
    public async Task ATokenWithoutACompanyOrForAnUnknownCompanyIsForbidden()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var host = await TestStreamHost.StartAsync(db);

        using var noCompany = new HttpRequestMessage(HttpMethod.Get, "/v1/stream/updates");
        noCompany.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TestStreamHost.OperatorToken());
        using var noCompanyResponse = await host.Http.SendAsync(noCompany);
        using var unknown = new HttpRequestMessage(HttpMethod.Get, "/v1/stream/updates");
        unknown.Headers.Authorization = new AuthenticationHeaderValue("Bearer", TestStreamHost.TokenFor(Guid.NewGuid()));
        using var unknownResponse = await host.Http.SendAsync(unknown);

        Assert.Equal(HttpStatusCode.Forbidden, noCompanyResponse.StatusCode);
        Assert.Contains("no 'company_id' claim", await DetailAsync(noCompanyResponse), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, unknownResponse.StatusCode);
        Assert.Contains("is not known to this service", await DetailAsync(unknownResponse), StringComparison.Ordinal);
    }

    private static async Task<string> DetailAsync(HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("detail").GetString()!;

    [Fact]
    public async Task TheAccessTokenQueryParameterWorksAndIsNeverLogged()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var host = await TestStreamHost.StartAsync(db);
        var company = await EventWriter.CompanyAsync(db);
        var token = TestStreamHost.TokenFor(company);

        await using (var client = await SseClient.ConnectAsync(host.Http, company, token, viaQuery: true, rowOf: host.RowOf))
        {
            var id = await EventWriter.AppendAsync(db, company, 1);
            Assert.Equal(id, (await client.NextEventAsync()).EventId);
        }

        // A refused request too: the token must not show up in any log line.
        using var refused = await host.Http.GetAsync($"/v1/stream/updates?access_token={token}x");
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
        Assert.NotEmpty(host.Logs.Lines); // the host logs at Debug here, so there was a chance to leak
        // The signature (after the last dot) is this token's alone; the header is the same in every token.
        var signature = token[(token.LastIndexOf('.') + 1)..];
        Assert.True(signature.Length >= 40, $"a signature of {signature.Length} characters");
        Assert.DoesNotContain(host.Logs.Lines, line => line.Contains(signature, StringComparison.Ordinal));
    }
}
