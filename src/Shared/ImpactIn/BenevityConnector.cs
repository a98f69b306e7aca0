using Microsoft.Extensions.Options;

namespace Impact.Shared.ImpactIn;

/// <summary>Benevity: OAuth2 client credentials, <c>Idempotency-Key</c>.</summary>
public sealed class BenevityConnector(IHttpClientFactory httpClients, TimeProvider time, IOptionsMonitor<ImpactInOptions> options, OAuthTokenCache tokens)
    : OAuthPartnerConnector(httpClients, time, tokens)
{
    /// <summary>Path of the impact report endpoint under the base URL.</summary>
    public const string Path = "api/v1/impact-reports";

    /// <inheritdoc />
    public override async Task<PartnerResponse> SendAsync(PartnerRequest request, CancellationToken ct)
    {
        var o = options.CurrentValue.Benevity;
        if (o.BaseUrl is null || o.TokenUrl is null || o.ClientId is null || o.ClientSecret is null)
        {
            return NotConfigured("Benevity", "ImpactIn:Benevity:BaseUrl, TokenUrl, ClientId and ClientSecret");
        }

        return await PostWithTokenAsync("Benevity", o, Endpoint(o.BaseUrl, Path), request.Payload,
            m => m.Headers.Add("Idempotency-Key", request.IdempotencyKey), ct);
    }
}
