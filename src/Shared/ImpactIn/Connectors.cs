using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Impact.Shared.ImpactIn;

/// <summary>How one attempt ended.</summary>
public enum AttemptOutcome
{
    /// <summary>The partner accepted the delivery (2xx).</summary>
    Succeeded,

    /// <summary>Worth another attempt: network error, time-out, 408, 429 or 5xx.</summary>
    Retryable,

    /// <summary>Another attempt would get the same answer: any other 4xx, or the platform is not configured.</summary>
    Final,
}

/// <summary>One delivery to send.</summary>
/// <param name="Platform">The partner platform.</param>
/// <param name="Payload">The exact body.</param>
/// <param name="IdempotencyKey">Sent as <c>Idempotency-Key</c>; the same on every attempt and replay.</param>
public sealed record PartnerRequest(string Platform, string Payload, string IdempotencyKey);

/// <summary>What the partner answered.</summary>
/// <param name="Outcome">Succeeded, retryable or final.</param>
/// <param name="StatusCode">The HTTP status, when an answer came.</param>
/// <param name="RetryAfter">The partner's <c>Retry-After</c>, when it sent one.</param>
/// <param name="Error">What went wrong, in words (no secrets).</param>
/// <param name="ResponseExcerpt">The start of the response body.</param>
public sealed record PartnerResponse(AttemptOutcome Outcome, int? StatusCode, TimeSpan? RetryAfter, string? Error, string? ResponseExcerpt);

/// <summary>Sends a delivery to whichever platform it is for.</summary>
public sealed class PartnerConnectors(BenevityConnector benevity, GooderaConnector goodera, WorkdayConnector workday)
{
    /// <summary>Sends one attempt.</summary>
    public Task<PartnerResponse> SendAsync(PartnerRequest request, CancellationToken ct = default) => request.Platform switch
    {
        Platforms.Benevity => benevity.SendAsync(request, ct),
        Platforms.Goodera => goodera.SendAsync(request, ct),
        Platforms.Workday => workday.SendAsync(request, ct),
        _ => Task.FromResult(new PartnerResponse(AttemptOutcome.Final, null, null, $"Unknown platform '{request.Platform}'.", null)),
    };
}

/// <summary>HTTP plumbing shared by the three connectors: one POST, classified.</summary>
public abstract class PartnerConnector(IHttpClientFactory httpClients, TimeProvider time)
{
    /// <summary>The named <see cref="HttpClient"/> used for partner calls.</summary>
    public const string HttpClientName = "impact-in";

    private const int ExcerptChars = 1000;

    /// <summary>Sends one attempt.</summary>
    public abstract Task<PartnerResponse> SendAsync(PartnerRequest request, CancellationToken ct);

    /// <summary>A client with the configured time-out.</summary>
    protected HttpClient Http() => httpClients.CreateClient(HttpClientName);

    /// <summary>The endpoint under a configured base URL.</summary>
    protected static Uri Endpoint(string baseUrl, string path) => new(new Uri(baseUrl.TrimEnd('/') + "/"), path);

    /// <summary>A final answer for a platform without settings.</summary>
    protected static PartnerResponse NotConfigured(string platform, string keys) =>
        new(AttemptOutcome.Final, null, null, $"{platform} is not configured: set {keys}.", null);

    /// <summary>POSTs JSON and classifies the answer; network errors and time-outs are retryable.</summary>
    protected async Task<PartnerResponse> PostAsync(string platform, Uri url, string body, Action<HttpRequestMessage> addHeaders, CancellationToken ct)
    {
        using var message = new HttpRequestMessage(HttpMethod.Post, url)
        {
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        };
        addHeaders(message);
        try
        {
            using var response = await Http().SendAsync(message, ct);
            var excerpt = await ExcerptAsync(response, ct);
            var status = (int)response.StatusCode;
            var outcome = Classify(response.StatusCode);
            return new PartnerResponse(outcome, status, RetryAfter(response), outcome == AttemptOutcome.Succeeded
                ? null
                : $"{platform} answered {status} {response.ReasonPhrase}".TrimEnd(), excerpt);
        }
        catch (HttpRequestException e)
        {
            return new PartnerResponse(AttemptOutcome.Retryable, null, null, $"Could not reach {platform}: {e.Message}", null);
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            return new PartnerResponse(AttemptOutcome.Retryable, null, null, $"{platform} did not answer in time.", null);
        }
    }

    /// <summary>2xx succeeded; 408, 429 and 5xx are worth another attempt; any other status is final.</summary>
    public static AttemptOutcome Classify(HttpStatusCode status) => (int)status switch
    {
        >= 200 and < 300 => AttemptOutcome.Succeeded,
        408 or 429 or >= 500 => AttemptOutcome.Retryable,
        _ => AttemptOutcome.Final,
    };

    private TimeSpan? RetryAfter(HttpResponseMessage response)
    {
        var header = response.Headers.RetryAfter;
        if (header?.Delta is { } delta)
        {
            return delta;
        }

        if (header?.Date is { } date)
        {
            var wait = date - time.GetUtcNow();
            return wait > TimeSpan.Zero ? wait : TimeSpan.Zero;
        }

        return null;
    }

    private static async Task<string?> ExcerptAsync(HttpResponseMessage response, CancellationToken ct)
    {
        var text = await response.Content.ReadAsStringAsync(ct);
        return text.Length == 0 ? null : text.Length <= ExcerptChars ? text : text[..ExcerptChars] + "…";
    }
}

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

/// <summary>
/// Goodera: <c>X-API-Key</c>; the impact dimensions go in batches of at most
/// <see cref="GooderaOptions.MaxRecordsPerRequest"/>, each batch a request with its own stable
/// idempotency key, paced to <see cref="GooderaOptions.RequestsPerMinute"/> by this instance.
/// </summary>
public sealed class GooderaConnector(IHttpClientFactory httpClients, TimeProvider time, IOptionsMonitor<ImpactInOptions> options)
    : PartnerConnector(httpClients, time), IDisposable
{
    /// <summary>Path of the impact data endpoint under the base URL.</summary>
    public const string Path = "api/v1/impact-data";

    private readonly Lazy<RateLimiter> limiter = new(() => new SlidingWindowRateLimiter(new SlidingWindowRateLimiterOptions
    {
        PermitLimit = options.CurrentValue.Goodera.RequestsPerMinute,
        Window = options.CurrentValue.Goodera.RateWindow,
        SegmentsPerWindow = 6,
        QueueLimit = 10_000,
        QueueProcessingOrder = QueueProcessingOrder.OldestFirst,
    }));

    /// <inheritdoc />
    public override async Task<PartnerResponse> SendAsync(PartnerRequest request, CancellationToken ct)
    {
        var o = options.CurrentValue.Goodera;
        if (o.BaseUrl is null || o.ApiKey is null)
        {
            return NotConfigured("Goodera", "ImpactIn:Goodera:BaseUrl and ApiKey");
        }

        var batches = Batches(request.Payload, o.MaxRecordsPerRequest);
        PartnerResponse? last = null;
        for (var i = 0; i < batches.Count; i++)
        {
            using var lease = await limiter.Value.AcquireAsync(1, ct);
            // One key per batch, derived from the delivery's key: a retry resends each batch under the same key.
            var key = batches.Count == 1 ? request.IdempotencyKey : $"{request.IdempotencyKey}-{i + 1}";
            last = await PostAsync("Goodera", Endpoint(o.BaseUrl, Path), batches[i], m =>
            {
                m.Headers.Add("X-API-Key", o.ApiKey);
                m.Headers.Add("Idempotency-Key", key);
            }, ct);
            if (last.Outcome != AttemptOutcome.Succeeded)
            {
                return batches.Count == 1 ? last : last with { Error = $"Batch {i + 1} of {batches.Count}: {last.Error}" };
            }
        }

        return last!;
    }

    /// <summary>Splits a Goodera payload into bodies of at most <paramref name="maxRecords"/> impact dimensions each.</summary>
    public static IReadOnlyList<string> Batches(string payload, int maxRecords)
    {
        var root = JsonNode.Parse(payload)!.AsObject();
        var dimensions = root["impactDimensions"]?.AsArray() ?? [];
        if (dimensions.Count <= maxRecords)
        {
            return [payload];
        }

        var bodies = new List<string>();
        for (var start = 0; start < dimensions.Count; start += maxRecords)
        {
            var copy = root.DeepClone().AsObject();
            copy["impactDimensions"] = new JsonArray(dimensions.Skip(start).Take(maxRecords).Select(d => d!.DeepClone()).ToArray());
            bodies.Add(copy.ToJsonString(ImpactPayloads.Json));
        }

        return bodies;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (limiter.IsValueCreated)
        {
            limiter.Value.Dispose();
        }
    }
}

/// <summary>A token, or the answer to record when none could be had.</summary>
/// <param name="AccessToken">The bearer token.</param>
/// <param name="Failure">Why there is none.</param>
public sealed record TokenResult(string? AccessToken, PartnerResponse? Failure);

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
