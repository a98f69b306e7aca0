using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Impact.TestSupport.Security;

/// <summary>
/// A real OpenID Connect authority for tests (Entra ID has no local form): Kestrel on 127.0.0.1 serving
/// <c>/.well-known/openid-configuration</c> and a JWKS of RSA keys, and minting RS256 tokens with them.
/// <see cref="RotateKey"/> replaces the signing key, as Entra does, without restarting anything.
/// </summary>
public sealed class LocalIdentityProvider : IAsyncDisposable
{
    private readonly WebApplication app;
    private volatile RsaSecurityKey key = NewKey();
    private int metadataRequests;

    private LocalIdentityProvider(WebApplication app) => this.app = app;

    /// <summary>The authority URL (what <c>Jwt:Authority</c> is set to).</summary>
    public string Authority { get; private set; } = "";

    /// <summary>The issuer its tokens carry.</summary>
    public string Issuer => Authority;

    /// <summary>How many times the JWKS was fetched.</summary>
    public int KeySetRequests => metadataRequests;

    /// <summary>Starts the authority on a free loopback port.</summary>
    public static async Task<LocalIdentityProvider> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseKestrel(o => o.Listen(IPAddress.Loopback, 0));
        builder.Logging.ClearProviders();
        var provider = new LocalIdentityProvider(builder.Build());
        provider.app.MapGet("/.well-known/openid-configuration", () => Results.Json(new Dictionary<string, object>
        {
            ["issuer"] = provider.Issuer,
            ["jwks_uri"] = provider.Authority + "/discovery/keys",
            ["id_token_signing_alg_values_supported"] = new[] { "RS256" },
        }));
        provider.app.MapGet("/discovery/keys", () =>
        {
            Interlocked.Increment(ref provider.metadataRequests);
            var jwk = JsonWebKeyConverter.ConvertFromRSASecurityKey(provider.key);
            return Results.Text(JsonSerializer.Serialize(new
            {
                keys = new[] { new { kty = jwk.Kty, use = "sig", kid = jwk.Kid, n = jwk.N, e = jwk.E, alg = "RS256" } },
            }), "application/json");
        });
        await provider.app.StartAsync();
        provider.Authority = provider.app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/');
        return provider;
    }

    /// <summary>Publishes a new signing key in place of the old one.</summary>
    public void RotateKey() => key = NewKey();

    /// <summary>An RS256 token signed with the current key.</summary>
    public string Token(string audience, TokenClaims claims, TimeSpan? lifetime = null, DateTimeOffset? now = null) =>
        TestTokens.Create(new SigningCredentials(key, SecurityAlgorithms.RsaSha256), Issuer, audience, claims, lifetime, now);

    /// <inheritdoc />
    public async ValueTask DisposeAsync() => await app.DisposeAsync();

    private static RsaSecurityKey NewKey() => new(RSA.Create(2048)) { KeyId = Guid.NewGuid().ToString("N") };
}
