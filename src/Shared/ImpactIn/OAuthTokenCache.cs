using System.Collections.Concurrent;
using System.Globalization;
using System.Text.Json;

namespace Impact.Shared.ImpactIn;

/// <summary>
/// OAuth2 client-credentials tokens, cached per token URL and client until a minute before they
/// expire, fetched by one caller at a time.
/// </summary>
public sealed class OAuthTokenCache(IHttpClientFactory httpClients, TimeProvider time) : IDisposable
{
    private static readonly TimeSpan RefreshMargin = TimeSpan.FromMinutes(1);
    private readonly ConcurrentDictionary<string, (string Token, DateTimeOffset ExpiresAt)> tokens = new();
    private readonly SemaphoreSlim gate = new(1, 1);

    /// <summary>A valid token for the partner, from the cache when it has one.</summary>
    public async Task<TokenResult> GetAsync(string platform, OAuthPartnerOptions o, CancellationToken ct)
    {
        var key = Key(o);
        if (Fresh(key) is { } cached)
        {
            return new TokenResult(cached, null);
        }

        await gate.WaitAsync(ct);
        try
        {
            if (Fresh(key) is { } again)
            {
                return new TokenResult(again, null);
            }

            using var request = new HttpRequestMessage(HttpMethod.Post, o.TokenUrl)
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["grant_type"] = "client_credentials",
                    ["client_id"] = o.ClientId!,
                    ["client_secret"] = o.ClientSecret!,
                    ["scope"] = o.Scope ?? "",
                }.Where(kv => kv.Value.Length > 0)),
            };
            HttpResponseMessage response;
            try
            {
                response = await httpClients.CreateClient(PartnerConnector.HttpClientName).SendAsync(request, ct);
            }
            catch (Exception e) when (e is HttpRequestException || (e is TaskCanceledException && !ct.IsCancellationRequested))
            {
                return Failed(AttemptOutcome.Retryable, null, $"Could not get a {platform} token: {e.Message}");
            }

            using (response)
            {
                var body = await response.Content.ReadAsStringAsync(ct);
                if (!response.IsSuccessStatusCode)
                {
                    // The token endpoint's body may echo credentials: keep it out of the record.
                    return Failed(PartnerConnector.Classify(response.StatusCode) == AttemptOutcome.Retryable ? AttemptOutcome.Retryable : AttemptOutcome.Final,
                        (int)response.StatusCode, $"The {platform} token endpoint answered {(int)response.StatusCode}.");
                }

                string? token;
                int expiresIn;
                try
                {
                    using var json = JsonDocument.Parse(body);
                    token = json.RootElement.TryGetProperty("access_token", out var t) ? t.GetString() : null;
                    expiresIn = json.RootElement.TryGetProperty("expires_in", out var e) && e.TryGetInt32(out var s) ? s : 300;
                }
                catch (JsonException)
                {
                    token = null;
                    expiresIn = 0;
                }

                if (string.IsNullOrEmpty(token))
                {
                    return Failed(AttemptOutcome.Retryable, (int)response.StatusCode, $"The {platform} token endpoint answered without an access_token.");
                }

                tokens[key] = (token, time.GetUtcNow().AddSeconds(expiresIn));
                return new TokenResult(token, null);
            }
        }
        finally
        {
            gate.Release();
        }
    }

    /// <summary>Forgets the partner's token (after a 401), so the next attempt fetches a new one.</summary>
    public void Invalidate(OAuthPartnerOptions o) => tokens.TryRemove(Key(o), out _);

    /// <inheritdoc />
    public void Dispose() => gate.Dispose();

    private string? Fresh(string key) =>
        tokens.TryGetValue(key, out var entry) && entry.ExpiresAt - RefreshMargin > time.GetUtcNow() ? entry.Token : null;

    private static string Key(OAuthPartnerOptions o) => string.Create(CultureInfo.InvariantCulture, $"{o.TokenUrl}|{o.ClientId}");

    private static TokenResult Failed(AttemptOutcome outcome, int? status, string error) =>
        new(null, new PartnerResponse(outcome, status, null, error, null));
}
