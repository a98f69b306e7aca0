using Microsoft.Extensions.Options;

namespace Impact.Shared.ImpactIn;

/// <summary>Workday: OAuth2 client credentials, <c>X-Workday-Tenant</c>, <c>Idempotency-Key</c>.</summary>
public sealed class WorkdayConnector(IHttpClientFactory httpClients, TimeProvider time, IOptionsMonitor<ImpactInOptions> options, OAuthTokenCache tokens)
    : OAuthPartnerConnector(httpClients, time, tokens)
{
    /// <summary>Path of the volunteer activity endpoint under the base URL.</summary>
    public const string Path = "api/v1/volunteer-activities";

    /// <inheritdoc />
    public override async Task<PartnerResponse> SendAsync(PartnerRequest request, CancellationToken ct)
    {
        var o = options.CurrentValue.Workday;
        if (o.BaseUrl is null || o.TokenUrl is null || o.ClientId is null || o.ClientSecret is null || o.Tenant is null)
        {
            return NotConfigured("Workday", "ImpactIn:Workday:BaseUrl, TokenUrl, ClientId, ClientSecret and Tenant");
        }

        return await PostWithTokenAsync("Workday", o, Endpoint(o.BaseUrl, Path), request.Payload, m =>
        {
            m.Headers.Add("X-Workday-Tenant", o.Tenant);
            m.Headers.Add("Idempotency-Key", request.IdempotencyKey);
        }, ct);
    }
}
