using System.Net;
using Impact.Shared.Http;
using Impact.Shared.Security;
using Impact.TestSupport.Security;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Impact.Shared.Tests.Security;

public sealed class BearerTokenTests
{
    private static readonly Guid Company = Guid.Parse("0d3f5b4e-6c1a-4e59-9a37-5b8f2f7e9c11");
    private static readonly TokenClaims AdminClaims = new("user-42", Company, [Roles.CompanyAdmin], "Ada Admin");

    private static BearerTokens Local() => new(Options.Create(TestTokens.Local));

    private static BearerTokens Authority(LocalIdentityProvider idp) => new(Options.Create(new JwtOptions
    {
        Authority = idp.Authority,
        Audience = "api://impact",
        KeyRefreshInterval = TimeSpan.FromSeconds(1),
    }));

    [Fact]
    public async Task ALocalTokenBecomesTheCallerItDescribes()
    {
        var caller = await Local().AuthenticateAsync(TestTokens.Bearer(TestTokens.LocalToken(AdminClaims)));

        Assert.Equal(new Caller("user-42", "Ada Admin", Company, [Roles.CompanyAdmin]).Principal, caller.Principal);
        Assert.Equal("Ada Admin", caller.Name);
        Assert.Equal(Company, caller.CompanyId);
        Assert.Equal([Roles.CompanyAdmin], caller.Roles);
    }

    public static TheoryData<string, string, string> BadLocalTokens() => new()
    {
        { "expired", TestTokens.LocalToken(AdminClaims, lifetime: TimeSpan.FromMinutes(-5)), "has expired" },
        { "wrong audience", TestTokens.LocalToken(AdminClaims, audience: "someone-else"), "another audience" },
        { "wrong issuer", TestTokens.LocalToken(AdminClaims, issuer: "evil-issuer"), "issuer this service does not trust" },
        { "alg=none", TestTokens.Unsigned(AdminClaims), "" },
        { "wrong key", TestTokens.Create(new SigningCredentials(new SymmetricSecurityKey(new byte[32]), SecurityAlgorithms.HmacSha256),
            TestTokens.Local.Issuer, TestTokens.Local.Audience, AdminClaims), "signature is not valid" },
        { "not a JWT", "not-a-token", "" },
    };

    [Theory]
    [MemberData(nameof(BadLocalTokens))]
    public async Task AnInvalidTokenIs401WithABearerChallengeAndNeverEchoesTheToken(string kind, string token, string reason)
    {
        var error = await Assert.ThrowsAsync<ProblemException>(() => Local().AuthenticateAsync(TestTokens.Bearer(token)));

        Assert.Equal(HttpStatusCode.Unauthorized, error.Status);
        Assert.StartsWith("Bearer", error.Headers!["WWW-Authenticate"], StringComparison.Ordinal);
        Assert.Contains(reason, error.Detail, StringComparison.Ordinal);
        Assert.DoesNotContain(token.Split('.')[0], error.Detail, StringComparison.Ordinal);
        Assert.False(string.IsNullOrWhiteSpace(kind));
    }

    [Theory]
    [InlineData(null, "No access token")]
    [InlineData("", "No access token")]
    [InlineData("Basic dXNlcjpwYXNz", "must be 'Bearer <token>'")]
    [InlineData("Bearer ", "must be 'Bearer <token>'")]
    public async Task AMissingOrNonBearerHeaderIs401(string? header, string detail)
    {
        var error = await Assert.ThrowsAsync<ProblemException>(() => Local().AuthenticateAsync(header));

        Assert.Equal(HttpStatusCode.Unauthorized, error.Status);
        Assert.Contains(detail, error.Detail, StringComparison.Ordinal);
        Assert.StartsWith("Bearer", error.Headers!["WWW-Authenticate"], StringComparison.Ordinal);
    }

    [Fact]
    public async Task AnRs256TokenOfTheAuthorityIsAcceptedWithKeysFromItsJwks()
    {
        await using var idp = await LocalIdentityProvider.StartAsync();
        var tokens = Authority(idp);

        var caller = await tokens.AuthenticateAsync(TestTokens.Bearer(idp.Token("api://impact", AdminClaims)));

        Assert.Equal("user-42", caller.Principal);
        Assert.Equal(Company, caller.CompanyId);
        Assert.Equal(1, idp.KeySetRequests);
    }

    [Fact]
    public async Task AKeyRotationAtTheAuthorityIsPickedUpWithoutARestartAndKeysAreCachedMeanwhile()
    {
        await using var idp = await LocalIdentityProvider.StartAsync();
        var tokens = Authority(idp);
        await tokens.AuthenticateAsync(TestTokens.Bearer(idp.Token("api://impact", AdminClaims)));
        await tokens.AuthenticateAsync(TestTokens.Bearer(idp.Token("api://impact", AdminClaims)));
        var fetchesBeforeRotation = idp.KeySetRequests;

        idp.RotateKey();
        // The refresh interval (1 s here, 5 min by default) bounds how often an unknown key may trigger a fetch.
        await Task.Delay(TimeSpan.FromSeconds(1.2));
        var caller = await tokens.AuthenticateAsync(TestTokens.Bearer(idp.Token("api://impact", AdminClaims)));

        Assert.Equal(1, fetchesBeforeRotation);
        Assert.Equal("user-42", caller.Principal);
        Assert.Equal(2, idp.KeySetRequests);
    }

    [Fact]
    public async Task WithAnAuthorityConfiguredAnHs256TokenIsRefused()
    {
        await using var idp = await LocalIdentityProvider.StartAsync();
        // Signed with a key anyone holding the audience string could guess, claiming the authority's issuer.
        var forged = TestTokens.Create(new SigningCredentials(new SymmetricSecurityKey(new byte[32]), SecurityAlgorithms.HmacSha256),
            idp.Issuer, "api://impact", AdminClaims);

        var error = await Assert.ThrowsAsync<ProblemException>(() => Authority(idp).AuthenticateAsync(TestTokens.Bearer(forged)));

        Assert.Equal(HttpStatusCode.Unauthorized, error.Status);
    }

    [Fact]
    public async Task AnAuthorityTokenForAnotherAudienceIsRefused()
    {
        await using var idp = await LocalIdentityProvider.StartAsync();

        var error = await Assert.ThrowsAsync<ProblemException>(() =>
            Authority(idp).AuthenticateAsync(TestTokens.Bearer(idp.Token("api://other", AdminClaims))));

        Assert.Contains("another audience", error.Detail, StringComparison.Ordinal);
    }
}
