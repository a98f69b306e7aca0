using System.Text.Json;
using Impact.Ingest.Http;
using Impact.Shared.Security;
using Impact.TestSupport;
using Impact.TestSupport.Security;
using Impact.Shared.Http;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Impact.Ingest.Tests.Security;

/// <summary>
/// The access policy of every HTTP function the host indexes (the built <c>functions.metadata</c>), applied
/// by the app's own <see cref="ApiAccess"/> with real token validation: a function added without a policy,
/// or one that lets a bad token through, fails here.
/// </summary>
public sealed class AccessPolicyTests
{
    private static readonly Guid CompanyA = Guid.Parse("6a4c8f33-2b7e-4f0e-9d3a-1c5b7e9f0a21");

    private static readonly ApiAccess Local = new(new BearerTokens(Options.Create(TestTokens.Local)));

    private static IReadOnlyList<(string Name, string EntryPoint)> HttpFunctionsInMetadata()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "functions.metadata")));
        return doc.RootElement.EnumerateArray()
            .Where(f => f.GetProperty("bindings").EnumerateArray().Any(b => b.GetProperty("type").GetString() == "httpTrigger"))
            .Select(f => (f.GetProperty("name").GetString()!, f.GetProperty("entryPoint").GetString()!))
            .ToList();
    }

    public static TheoryData<string> BearerFunctions()
    {
        var data = new TheoryData<string>();
        foreach (var (name, _) in HttpFunctionsInMetadata().Where(f => FunctionPolicies.ForEntryPoint(f.EntryPoint) is { IsPartnerWebhook: false, IsPublic: false }))
        {
            data.Add(name);
        }

        return data;
    }

    private static FunctionPolicy Policy(string name) => FunctionPolicies.All.Single(p => p.Name == name);

    private static Task<TestResponse> CallAsync(ApiAccess access, FunctionPolicy policy, string? authorization)
    {
        var request = HttpInvoker.Request(policy.Methods[0], "/v1/" + policy.Route, body: null, contentType: null,
            headers: authorization is null ? null : new Dictionary<string, string> { ["Authorization"] = authorization });
        return HttpInvoker.InvokeAsync(request, async r =>
        {
            await access.AuthorizeAsync(r.HttpContext, policy);
            // What the function would see: the caller resolved from the token.
            return ApiResults.Json(299, new { principal = r.Caller().Principal });
        });
    }

    [Fact]
    public void EveryHttpFunctionTheHostIndexesDeclaresExactlyOnePolicy()
    {
        var indexed = HttpFunctionsInMetadata();

        Assert.Equal(67, indexed.Count);
        Assert.Equal(indexed.Select(f => f.Name).Order(StringComparer.Ordinal), FunctionPolicies.All.Select(p => p.Name));
        foreach (var (name, entryPoint) in indexed)
        {
            Assert.Equal(name, FunctionPolicies.ForEntryPoint(entryPoint).Name);
        }

        // Only the partner webhook goes without a token: it verifies the partner's HMAC signature.
        Assert.Equal(["ReceiveKintellWebhook"], FunctionPolicies.All.Where(p => p.IsPartnerWebhook).Select(p => p.Name));
        // Only the API's own document goes without either.
        Assert.Equal(["GetOpenApiDocument"], FunctionPolicies.All.Where(p => p.IsPublic).Select(p => p.Name));
    }

    [Theory]
    [MemberData(nameof(BearerFunctions))]
    public async Task WithoutAValidTokenEveryFunctionAnswers401WithABearerChallenge(string function)
    {
        var policy = Policy(function);
        var role = policy.Roles[0];
        var claims = new TokenClaims("someone", CompanyA, [role]);
        string[] bad =
        [
            TestTokens.LocalToken(claims, lifetime: TimeSpan.FromMinutes(-10)),
            TestTokens.LocalToken(claims, audience: "another-api"),
            TestTokens.LocalToken(claims, issuer: "https://evil.example"),
            TestTokens.Unsigned(claims),
            TestTokens.Create(new SigningCredentials(new SymmetricSecurityKey(new byte[40]), SecurityAlgorithms.HmacSha256),
                TestTokens.Local.Issuer, TestTokens.Local.Audience, claims),
        ];

        var none = await CallAsync(Local, policy, null);
        Assert.Equal(401, none.Status);
        Assert.Equal("Bearer", none.Headers.WWWAuthenticate.ToString());
        Assert.Equal("application/problem+json", none.ContentType);
        foreach (var token in bad)
        {
            var response = await CallAsync(Local, policy, TestTokens.Bearer(token));
            Assert.Equal(401, response.Status);
            Assert.StartsWith("Bearer error=", response.Headers.WWWAuthenticate.ToString(), StringComparison.Ordinal);
            Assert.Equal("application/problem+json", response.ContentType);
            Assert.DoesNotContain(token.Split('.')[1], response.Body, StringComparison.Ordinal);
        }
    }

    [Theory]
    [MemberData(nameof(BearerFunctions))]
    public async Task AValidTokenWithoutTheFunctionsRoleIs403AndWithItTheFunctionRunsAsThatPrincipal(string function)
    {
        var policy = Policy(function);
        var otherRoles = Roles.All.Except(policy.Roles).ToArray();

        var forbidden = await CallAsync(Local, policy, TestTokens.Bearer(TestTokens.LocalToken(new TokenClaims("p-1", CompanyA, otherRoles))));
        var allowed = await CallAsync(Local, policy, TestTokens.Bearer(TestTokens.LocalToken(new TokenClaims("p-2", CompanyA, [policy.Roles[0]]))));

        Assert.Equal(403, forbidden.Status);
        Assert.Equal("application/problem+json", forbidden.ContentType);
        Assert.Equal(299, allowed.Status);
        Assert.Equal("p-2", allowed.Json.GetProperty("principal").GetString());
    }

    [Theory]
    [MemberData(nameof(BearerFunctions))]
    public async Task WhenAnAuthorityIsConfiguredAnHs256TokenIsRefusedAndItsOwnRs256TokenAccepted(string function)
    {
        await using var idp = await LocalIdentityProvider.StartAsync();
        var access = new ApiAccess(new BearerTokens(Options.Create(new JwtOptions { Authority = idp.Authority, Audience = "api://impact" })));
        var policy = Policy(function);
        var claims = new TokenClaims("p-3", CompanyA, [policy.Roles[0]]);
        var hs256 = TestTokens.Create(new SigningCredentials(new SymmetricSecurityKey(new byte[40]), SecurityAlgorithms.HmacSha256),
            idp.Issuer, "api://impact", claims);

        var refused = await CallAsync(access, policy, TestTokens.Bearer(hs256));
        var accepted = await CallAsync(access, policy, TestTokens.Bearer(idp.Token("api://impact", claims)));

        Assert.Equal(401, refused.Status);
        Assert.Equal(299, accepted.Status);
    }

    [Fact]
    public async Task ACompanyScopedRoleWithoutACompanyClaimIs403AndAnOperatorNeedsNone()
    {
        var schedules = Policy("ImpactInListSchedules");

        var noCompany = await CallAsync(Local, schedules, TestTokens.Bearer(TestTokens.LocalToken(new TokenClaims("p-4", null, [Roles.CompanyAdmin]))));
        var operatorCall = await CallAsync(Local, schedules, TestTokens.Bearer(TestTokens.LocalToken(new TokenClaims("ops-1", null, [Roles.Operator]))));

        Assert.Equal(403, noCompany.Status);
        Assert.Contains("names none", noCompany.Body, StringComparison.Ordinal);
        Assert.Equal(299, operatorCall.Status);
    }

    [Fact]
    public async Task ThePartnerWebhookNeedsNoTokenBecauseItsSignatureIsChecked()
    {
        var webhook = Policy("ReceiveKintellWebhook");
        var request = HttpInvoker.Request("POST", "/v1/webhooks/kintell/session.completed", body: null, contentType: null);

        var response = await HttpInvoker.InvokeAsync(request, async r =>
        {
            await Local.AuthorizeAsync(r.HttpContext, webhook);
            return ApiResults.Json(299, new { ok = true });
        });

        Assert.Equal(299, response.Status);
    }
}
