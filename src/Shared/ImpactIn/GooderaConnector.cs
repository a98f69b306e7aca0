using System.Text.Json.Nodes;
using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Impact.Shared.ImpactIn;

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
