using System.Text;
using System.Text.Json;
using Impact.Shared.Security;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Impact.TestSupport.Security;

/// <summary>What a test token says about its caller.</summary>
/// <param name="Subject">The <c>sub</c> claim (the principal).</param>
/// <param name="CompanyId">The company claim, if any.</param>
/// <param name="Roles">The <c>roles</c> claim.</param>
/// <param name="Name">The <c>name</c> claim.</param>
public sealed record TokenClaims(string Subject, Guid? CompanyId, IReadOnlyList<string> Roles, string? Name = null);

/// <summary>Mints tokens the way the local issuer (<c>scripts/token.sh</c>) and an authority do, and some they never would.</summary>
public static class TestTokens
{
    /// <summary>The local development issuer's settings used by the test hosts.</summary>
    public static readonly JwtOptions Local = new()
    {
        Issuer = "impact-tests",
        Audience = "impact-api",
        SigningKey = "impact-tests-signing-key-0123456789abcdef",
    };

    /// <summary>An HS256 token of the local issuer.</summary>
    public static string LocalToken(TokenClaims claims, TimeSpan? lifetime = null, DateTimeOffset? now = null, string? audience = null, string? issuer = null) =>
        Create(new SigningCredentials(new SymmetricSecurityKey(Local.SigningKeyBytes), SecurityAlgorithms.HmacSha256),
            issuer ?? Local.Issuer, audience ?? Local.Audience, claims, lifetime, now);

    /// <summary>A company administrator's local token.</summary>
    public static string Admin(Guid companyId, string subject = "admin-1") => LocalToken(new TokenClaims(subject, companyId, [Roles.CompanyAdmin]));

    /// <summary>"Bearer " + <paramref name="token"/>.</summary>
    public static string Bearer(string token) => "Bearer " + token;

    /// <summary>A token signed with <paramref name="credentials"/>.</summary>
    public static string Create(SigningCredentials credentials, string issuer, string audience, TokenClaims claims, TimeSpan? lifetime = null, DateTimeOffset? now = null)
    {
        var at = now ?? DateTimeOffset.UtcNow;
        var expires = at + (lifetime ?? TimeSpan.FromHours(1));
        return new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer,
            Audience = audience,
            Claims = Claims(claims),
            IssuedAt = (expires < at ? expires.AddMinutes(-1) : at).UtcDateTime,
            NotBefore = (expires < at ? expires.AddMinutes(-1) : at).UtcDateTime,
            Expires = expires.UtcDateTime,
            SigningCredentials = credentials,
        });
    }

    /// <summary>An unsigned token (<c>alg=none</c>) with otherwise valid local claims.</summary>
    public static string Unsigned(TokenClaims claims)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var payload = new Dictionary<string, object>(Claims(claims))
        {
            ["iss"] = Local.Issuer, ["aud"] = Local.Audience, ["iat"] = now, ["nbf"] = now, ["exp"] = now + 3600,
        };
        return Base64Url("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + Base64Url(JsonSerializer.Serialize(payload)) + ".";
    }

    private static Dictionary<string, object> Claims(TokenClaims claims)
    {
        var values = new Dictionary<string, object> { ["sub"] = claims.Subject, ["roles"] = claims.Roles.ToArray() };
        if (claims.CompanyId is { } company)
        {
            values["company_id"] = company.ToString();
        }

        if (claims.Name is { } name)
        {
            values["name"] = name;
        }

        return values;
    }

    private static string Base64Url(string text) => Base64UrlEncoder.Encode(Encoding.UTF8.GetBytes(text));
}
