using System.Net.Http.Headers;

namespace Impact.Shared.ImpactIn;

/// <summary>A connector whose platform wants an OAuth2 client-credentials bearer token.</summary>
public abstract class OAuthPartnerConnector(IHttpClientFactory httpClients, TimeProvider time, OAuthTokenCache tokens)
    : PartnerConnector(httpClients, time)
{
    /// <summary>
    /// POSTs with a bearer token from the cache (fetched once, reused across attempts); a 401 drops the
    /// cached token so the next attempt fetches a new one.
    /// </summary>
    protected async Task<PartnerResponse> PostWithTokenAsync(string platform, OAuthPartnerOptions o, Uri url, string body,
        Action<HttpRequestMessage> addHeaders, CancellationToken ct)
    {
        var token = await tokens.GetAsync(platform, o, ct);
        if (token.Failure is { } failure)
        {
            return failure;
        }

        var response = await PostAsync(platform, url, body, m =>
        {
            m.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.AccessToken);
            addHeaders(m);
        }, ct);
        if (response.StatusCode == 401)
        {
            tokens.Invalidate(o);
        }

        return response;
    }
}
