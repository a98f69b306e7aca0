using System.Net;
using System.Text;

namespace Impact.Shared.ImpactIn;

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
