using System.Diagnostics;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using Azure;
using Impact.Shared.Http;
using Impact.Shared.Telemetry;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Impact.Shared.Webhooks;

/// <summary>
/// Accepts one partner webhook: signature over the raw bytes, payload validation, the delivery row
/// committed (the outbox), then the queue message. Anything the caller must fix is a
/// <see cref="ProblemException"/>; the HTTP function only reads the body and maps the result.
/// </summary>
public sealed partial class WebhookReceiver(
    WebhookDeliveries deliveries, WebhookQueue queue, IOptions<WebhookOptions> options, TimeProvider clock, ILogger<WebhookReceiver> logger)
{
    private readonly IReadOnlyList<byte[]> kintellKeys = options.Value.Kintell.Keys();
    private readonly TimeSpan tolerance = TimeSpan.FromSeconds(options.Value.ToleranceSeconds);

    /// <summary>Receives a Kintell delivery of <paramref name="kind"/> with these headers and raw body.</summary>
    /// <returns>The delivery id and <c>queued</c> or <c>duplicate</c>.</returns>
    public async Task<WebhookAccepted> ReceiveKintellAsync(string kind, IHeaderDictionary headers, ReadOnlyMemory<byte> body, CancellationToken ct = default)
    {
        if (!KintellKinds.All.Contains(kind))
        {
            throw new ProblemException(HttpStatusCode.NotFound, "Unknown webhook kind",
                $"'{kind}' is not a Kintell webhook kind. Known kinds: {string.Join(", ", KintellKinds.All)}.");
        }

        var check = WebhookSignature.Verify(headers, body.Span, kintellKeys, clock.GetUtcNow(), tolerance);
        if (check.Failure == SignatureFailure.MissingDeliveryId)
        {
            throw new ProblemException(HttpStatusCode.BadRequest, "Missing delivery id", check.Detail!);
        }

        if (!check.Valid)
        {
            LogRejected(logger, KintellProcessor.Source, kind, check.Failure);
            throw new ProblemException(HttpStatusCode.Unauthorized, "Invalid webhook signature", check.Detail!);
        }

        var deliveryId = check.DeliveryId!;
        using var activity = WebhookTracing.StartReceive(KintellProcessor.Source, kind, deliveryId);
        var (payload, errors) = KintellPayloads.Parse(kind, body.Span);
        if (payload is null)
        {
            throw ProblemException.Validation(
                $"The {kind} payload has {errors.Count} invalid field(s): {string.Join(", ", errors.Keys)}.", errors);
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(body.Span));
        var outcome = await deliveries.RecordAsync(KintellProcessor.Source, deliveryId, kind, hash, Encoding.UTF8.GetString(body.Span), ct,
            Activity.Current?.TraceId.ToHexString());
        var tags = new TagList { { "source", KintellProcessor.Source }, { "kind", kind } };
        activity?.SetTag("impact.webhook.outcome", outcome.ToString());
        switch (outcome)
        {
            case RecordOutcome.Conflict:
                throw new ProblemException(HttpStatusCode.Conflict, "Delivery id already used",
                    $"Delivery {deliveryId} was already received with a different payload. Use a new delivery id for a new event.");
            case RecordOutcome.Duplicate:
                ImpactTelemetry.WebhooksDuplicate.Add(1, tags);
                // Never a second message: the first request sends it, or else the sweeper does (a row put back to
                // 'received' after a failed send, or one left 'queued' without a message by a crash).
                return new WebhookAccepted(deliveryId, WebhookAccepted.Duplicate);
        }

        ImpactTelemetry.WebhooksReceived.Add(1, tags);
        // The row is committed (already as 'queued'); now the message.
        try
        {
            await queue.SendAsync(new WebhookMessage(KintellProcessor.Source, deliveryId), ct);
        }
        catch (Exception e) when (e is RequestFailedException or HttpRequestException or AggregateException or TimeoutException)
        {
            LogQueueUnavailable(logger, e, KintellProcessor.Source, deliveryId);
            try
            {
                // Back in the outbox for the sweeper's next round; if even this fails, the stale sweep finds the row.
                await deliveries.MarkUnsentAsync(KintellProcessor.Source, deliveryId, CancellationToken.None);
            }
            catch (Exception db) when (ProblemMapping.IsTransientDatabaseError(db))
            {
                LogUnsentNotMarked(logger, KintellProcessor.Source, deliveryId);
            }

            throw new ProblemException(HttpStatusCode.ServiceUnavailable, "Queue unavailable",
                $"Delivery {deliveryId} was stored and will be processed once the queue is reachable again; you do not need to resend it.")
            {
                Headers = new Dictionary<string, string> { ["Retry-After"] = "60" },
            };
        }

        return new WebhookAccepted(deliveryId, WebhookDeliveryStatus.Queued);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Rejected {Source} {Kind} webhook: {Failure}")]
    private static partial void LogRejected(ILogger logger, string source, string kind, SignatureFailure failure);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Source} delivery {DeliveryId} could not be put back to received; the stale sweep re-queues it")]
    private static partial void LogUnsentNotMarked(ILogger logger, string source, string deliveryId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Queue unavailable; {Source} delivery {DeliveryId} stays in the outbox for the sweeper")]
    private static partial void LogQueueUnavailable(ILogger logger, Exception exception, string source, string deliveryId);
}
