using System.Net;
using System.Text.Json;
using Impact.Shared.Http;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Protocols;
using Microsoft.IdentityModel.Protocols.OpenIdConnect;
using Microsoft.IdentityModel.Tokens;

namespace Impact.Shared.Security;

/// <summary>
/// Validates bearer tokens into a <see cref="Caller"/>: issuer, audience, lifetime (with a small skew)
/// and signature. With an authority, only RS256 with keys from its JWKS (fetched once, cached, fetched
/// again when a token names a key we do not know — a rotation); without, only HS256 with the local key.
/// An unsigned token (<c>alg=none</c>) is never accepted. Failures are 401 problems that say what to fix
/// and never echo the token.
/// </summary>
public sealed class BearerTokens
{
    private readonly JsonWebTokenHandler handler = new() { MapInboundClaims = false };
    private readonly TokenValidationParameters parameters;
    private readonly AuthorityMetadata? authority;
    private readonly string companyClaim;

    /// <summary>Builds the validation parameters once from <see cref="JwtOptions"/>.</summary>
    public BearerTokens(IOptions<JwtOptions> options)
    {
        var jwt = options.Value;
        companyClaim = jwt.CompanyClaim;
        parameters = new TokenValidationParameters
        {
            ValidateIssuer = true,
            ValidateAudience = true,
            ValidAudience = jwt.Audience,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ValidateIssuerSigningKey = true,
            ClockSkew = jwt.ClockSkew,
        };
        if (jwt.UsesAuthority)
        {
            var metadata = jwt.Authority!.TrimEnd('/') + "/.well-known/openid-configuration";
            parameters.ValidAlgorithms = [SecurityAlgorithms.RsaSha256];
            authority = new AuthorityMetadata(metadata, new HttpDocumentRetriever { RequireHttps = !jwt.AuthorityIsLoopback }, jwt.KeyRefreshInterval);
        }
        else
        {
            parameters.ValidIssuer = jwt.Issuer;
            parameters.ValidAlgorithms = [SecurityAlgorithms.HmacSha256];
            parameters.IssuerSigningKey = new SymmetricSecurityKey(jwt.SigningKeyBytes);
        }
    }

    /// <summary>
    /// The caller of a request whose <c>Authorization</c> header is <paramref name="authorization"/>;
    /// a 401 <see cref="ProblemException"/> (with <c>WWW-Authenticate: Bearer</c>) when there is no valid token.
    /// </summary>
    public async Task<Caller> AuthenticateAsync(string? authorization)
    {
        const string scheme = "Bearer ";
        if (string.IsNullOrWhiteSpace(authorization))
        {
            throw Unauthorized(null, "No access token. Send 'Authorization: Bearer <token>'.");
        }

        if (!authorization.StartsWith(scheme, StringComparison.OrdinalIgnoreCase) || authorization.Length == scheme.Length)
        {
            throw Unauthorized("invalid_request", "The Authorization header must be 'Bearer <token>'.");
        }

        var token = authorization[scheme.Length..].Trim();
        var result = await ValidateAsync(token, refresh: false);
        if (!result.IsValid && authority is not null
            && result.Exception is SecurityTokenSignatureKeyNotFoundException or SecurityTokenInvalidSignatureException)
        {
            // A key we do not know: the authority may have rotated its keys. Fetch them again (at most
            // once per KeyRefreshInterval, so forged tokens cannot make us hammer the authority) and retry.
            result = await ValidateAsync(token, refresh: true);
        }

        if (!result.IsValid)
        {
            throw Unauthorized("invalid_token", Reason(result.Exception));
        }

        var claims = result.Claims;
        var principal = Text(claims, "oid") ?? Text(claims, "sub");
        if (principal is null)
        {
            throw Unauthorized("invalid_token", "The access token names no principal (neither 'oid' nor 'sub').");
        }

        var name = Text(claims, "name") ?? Text(claims, "preferred_username") ?? "";
        Guid? company = Text(claims, companyClaim) is { } c ? Guid.TryParse(c, out var id) ? id : throw Unauthorized("invalid_token",
            $"The access token's '{companyClaim}' claim is not a company id.") : null;
        return new Caller(principal, name, company, RolesOf(claims));
    }

    private async Task<TokenValidationResult> ValidateAsync(string token, bool refresh)
    {
        if (authority is null)
        {
            return await handler.ValidateTokenAsync(token, parameters);
        }

        OpenIdConnectConfiguration configuration;
        try
        {
            configuration = await authority.GetAsync(refresh);
        }
        catch (Exception e) when (e is IOException or HttpRequestException or InvalidOperationException or ArgumentException)
        {
            // The authority's metadata could not be read: no token can be checked, which is our fault, not the caller's.
            throw new ProblemException(HttpStatusCode.ServiceUnavailable, "Sign-in is unavailable",
                "The identity provider's keys could not be read; try again shortly.")
            {
                Headers = new Dictionary<string, string> { ["Retry-After"] = "5" },
            };
        }

        var withKeys = parameters.Clone();
        withKeys.ValidIssuer = configuration.Issuer;
        withKeys.IssuerSigningKeys = configuration.SigningKeys;
        return await handler.ValidateTokenAsync(token, withKeys);
    }

    private static string? Text(IDictionary<string, object> claims, string name) =>
        claims.TryGetValue(name, out var value) && value?.ToString() is { Length: > 0 } s ? s : null;

    // "roles" is a JSON array in Entra tokens, a single string when only one role is issued by some issuers.
    private static IReadOnlyList<string> RolesOf(IDictionary<string, object> claims) =>
        !claims.TryGetValue("roles", out var value) ? [] : value switch
        {
            string one => [one],
            IEnumerable<object> many => many.Select(r => r?.ToString() ?? "").Where(r => r.Length > 0).ToList(),
            JsonElement { ValueKind: JsonValueKind.Array } array => array.EnumerateArray().Select(r => r.ToString()).ToList(),
            _ => [value.ToString() ?? ""],
        };

    // Says what to fix, never echoes the token.
    private static string Reason(Exception? failure) => failure switch
    {
        SecurityTokenExpiredException => "The access token has expired. Get a new token.",
        SecurityTokenNotYetValidException => "The access token is not valid yet.",
        SecurityTokenInvalidAudienceException => "The access token was issued for another audience.",
        SecurityTokenInvalidIssuerException => "The access token was issued by an issuer this service does not trust.",
        SecurityTokenInvalidAlgorithmException => "The access token is signed with an algorithm this service does not accept.",
        SecurityTokenInvalidSignatureException or SecurityTokenSignatureKeyNotFoundException =>
            "The access token's signature is not valid for this service.",
        SecurityTokenNoExpirationException => "The access token has no expiry time.",
        SecurityTokenMalformedException => "The access token is not a well-formed JWT.",
        _ => "The access token could not be validated.",
    };

    private static ProblemException Unauthorized(string? error, string detail) =>
        new(HttpStatusCode.Unauthorized, "Authentication required", detail)
        {
            Headers = new Dictionary<string, string> { ["WWW-Authenticate"] = error is null ? "Bearer" : $"Bearer error=\"{error}\"" },
        };

    /// <summary>
    /// The authority's metadata and keys, fetched once and kept: again every 12 hours, and when a token
    /// names an unknown key but at most once per refresh interval.
    /// </summary>
    private sealed class AuthorityMetadata(string address, IDocumentRetriever retriever, TimeSpan refreshInterval)
    {
        private static readonly TimeSpan MaxAge = TimeSpan.FromHours(12);
        private readonly SemaphoreSlim fetching = new(1, 1);
        private OpenIdConnectConfiguration? current;
        private DateTimeOffset fetchedAt;

        public async Task<OpenIdConnectConfiguration> GetAsync(bool unknownKey)
        {
            if (current is { } fresh && !Due(unknownKey))
            {
                return fresh;
            }

            await fetching.WaitAsync();
            try
            {
                if (current is null || Due(unknownKey))
                {
                    current = await OpenIdConnectConfigurationRetriever.GetAsync(address, retriever, CancellationToken.None);
                    fetchedAt = DateTimeOffset.UtcNow;
                }

                return current;
            }
            finally
            {
                fetching.Release();
            }
        }

        private bool Due(bool unknownKey)
        {
            var age = DateTimeOffset.UtcNow - fetchedAt;
            return age >= MaxAge || (unknownKey && age >= refreshInterval);
        }
    }
}
