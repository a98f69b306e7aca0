using Impact.Shared.Http;
using Impact.Shared.Security;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Impact.StreamHost.Security;

/// <summary>
/// JWT bearer authentication with the Functions app's settings (<see cref="JwtOptions"/>, section <c>Jwt</c>):
/// an authority's JWKS in Azure (RS256 only), the local HS256 key in development (HS256 only). One token
/// from <c>scripts/token.sh</c> works for both hosts.
/// </summary>
public static class StreamAuthentication
{
    /// <summary>Operators (<see cref="Roles.Operator"/>) may read <c>/v1/stream/stats</c> (all companies' numbers).</summary>
    public const string OperatorPolicy = "stream-operator";
    public const string RoleClaim = "roles";

    public static WebApplicationBuilder AddStreamAuthentication(this WebApplicationBuilder builder)
    {
        // The same binding and start-up validation as the Functions app, and the same refusal of the
        // committed development key outside Development.
        builder.AddBearerTokens();
        builder.RefuseDevelopmentSecretsOutsideDevelopment();

        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<JwtOptions>>((bearer, jwtOptions) => Configure(bearer, jwtOptions.Value));

        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(OperatorPolicy, p => p.RequireAuthenticatedUser().RequireRole(Roles.Operator));
        return builder;
    }

    private static void Configure(JwtBearerOptions bearer, JwtOptions jwt)
    {
        // Keep claim names as issued ("company_id", "roles"), not mapped to long URIs.
        bearer.MapInboundClaims = false;
        bearer.TokenValidationParameters = new TokenValidationParameters
        {
            ValidAudience = jwt.Audience,
            ValidateIssuer = true,
            ValidateAudience = true,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ClockSkew = jwt.ClockSkew,
            NameClaimType = "sub",
            RoleClaimType = RoleClaim,
        };

        if (jwt.UsesAuthority)
        {
            // The issuer comes from the authority's metadata; keys from its JWKS, fetched again on an
            // unknown key id at most once per KeyRefreshInterval.
            bearer.Authority = jwt.Authority;
            bearer.Audience = jwt.Audience;
            bearer.RequireHttpsMetadata = !jwt.AuthorityIsLoopback;
            bearer.RefreshInterval = jwt.KeyRefreshInterval;
            bearer.TokenValidationParameters.ValidAlgorithms = [SecurityAlgorithms.RsaSha256];
        }
        else
        {
            bearer.TokenValidationParameters.ValidIssuer = jwt.Issuer;
            bearer.TokenValidationParameters.IssuerSigningKey = new SymmetricSecurityKey(jwt.SigningKeyBytes);
            bearer.TokenValidationParameters.ValidAlgorithms = [SecurityAlgorithms.HmacSha256];
        }

        bearer.Events = new JwtBearerEvents
        {
            OnMessageReceived = context =>
            {
                // Browsers' EventSource cannot set headers, so the token may come in the query.
                // The host's request logging is filtered (see StreamHostApp) so it never reaches a log.
                if (string.IsNullOrEmpty(context.Request.Headers.Authorization)
                    && context.Request.Query.TryGetValue("access_token", out var token))
                {
                    context.Token = token.ToString();
                }

                return Task.CompletedTask;
            },
            OnChallenge = async context =>
            {
                context.HandleResponse();
                context.Response.Headers.WWWAuthenticate = context.AuthenticateFailure is null
                    ? "Bearer"
                    : "Bearer error=\"invalid_token\"";
                await WriteProblemAsync(context.HttpContext, StatusCodes.Status401Unauthorized,
                    "Authentication required", ChallengeDetail(context.AuthenticateFailure));
            },
            OnForbidden = context => WriteProblemAsync(context.HttpContext, StatusCodes.Status403Forbidden,
                "Not allowed", $"This token does not carry the '{Roles.Operator}' role that this endpoint needs."),
        };
    }

    // Says what to fix, never echoes the token.
    private static string ChallengeDetail(Exception? failure) => failure switch
    {
        null => "No access token. Send 'Authorization: Bearer <token>', or add '?access_token=<token>' when the client cannot set headers (a browser's EventSource).",
        SecurityTokenExpiredException => "The access token has expired. Get a new token and reconnect.",
        SecurityTokenInvalidSignatureException or SecurityTokenSignatureKeyNotFoundException =>
            "The access token's signature is not valid for this service.",
        SecurityTokenInvalidAudienceException => "The access token was issued for another audience.",
        SecurityTokenInvalidIssuerException => "The access token was issued by an issuer this service does not trust.",
        _ => "The access token could not be validated.",
    };

    private static Task WriteProblemAsync(HttpContext context, int status, string title, string detail) =>
        ApiResults.Problem(status, title, detail).ExecuteResultAsync(new ActionContext { HttpContext = context });

    /// <summary>Reads the caller's company id from the configured claim, or null when it is missing or not a UUID.</summary>
    public static Guid? CompanyId(this System.Security.Claims.ClaimsPrincipal user, string claim) =>
        Guid.TryParse(user.FindFirst(claim)?.Value, out var id) ? id : null;
}
