using Impact.Shared.Http;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Microsoft.IdentityModel.Tokens;

namespace Impact.StreamHost.Security;

/// <summary>JWT bearer authentication: an HS256 key locally, an authority's JWKS in Azure.</summary>
public static class StreamAuthentication
{
    /// <summary>Operators may read <c>/v1/stream/stats</c> (all companies' numbers).</summary>
    public const string OperatorPolicy = "stream-operator";
    public const string OperatorRole = "stream.operator";
    public const string RoleClaim = "roles";

    public static WebApplicationBuilder AddStreamAuthentication(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<JwtOptions>()
            .BindConfiguration(JwtOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.AddAuthentication(JwtBearerDefaults.AuthenticationScheme).AddJwtBearer();
        builder.Services.AddOptions<JwtBearerOptions>(JwtBearerDefaults.AuthenticationScheme)
            .Configure<IOptions<JwtOptions>>((bearer, jwtOptions) => Configure(bearer, jwtOptions.Value));

        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(OperatorPolicy, p => p.RequireAuthenticatedUser().RequireRole(OperatorRole));
        return builder;
    }

    private static void Configure(JwtBearerOptions bearer, JwtOptions jwt)
    {
        // Keep claim names as issued ("company_id", "roles"), not mapped to long URIs.
        bearer.MapInboundClaims = false;
        bearer.TokenValidationParameters = new TokenValidationParameters
        {
            ValidIssuer = jwt.Issuer,
            ValidAudience = jwt.Audience,
            ValidateIssuer = true,
            ValidateAudience = true,
            ValidateLifetime = true,
            RequireExpirationTime = true,
            ClockSkew = TimeSpan.FromSeconds(30),
            NameClaimType = "sub",
            RoleClaimType = RoleClaim,
        };

        if (jwt.UsesAuthority)
        {
            bearer.Authority = jwt.Authority;
            bearer.Audience = jwt.Audience;
        }
        else
        {
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
                "Not allowed", $"This token does not carry the '{OperatorRole}' role that this endpoint needs."),
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
