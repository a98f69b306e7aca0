using Impact.Ingest.Http;
using System.Net;
using Impact.Shared.Http;
using Impact.Shared.Webhooks;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;

namespace Impact.Ingest.Webhooks;

/// <summary>Kintell's webhooks. Anonymous at the Functions level: the HMAC signature is the authentication.</summary>
public sealed class KintellWebhook(WebhookReceiver receiver, IOptions<WebhookOptions> options)
{
    private readonly int maxBodyBytes = options.Value.MaxBodyBytes;

    [PartnerSignature]
    [Header("X-Delivery-Id", Description = "Kintell's delivery id (Kintell scheme).")]
    [Header("webhook-id", Description = "The delivery id (Standard Webhooks scheme).")]
    [Header("webhook-timestamp", Description = "Unix seconds (Standard Webhooks scheme).")]
    [Body(typeof(System.Text.Json.JsonElement), Description = "The partner's event as sent (snake_case); fields per kind in SPEC §A. Signed over the raw bytes.")]
    [Returns(StatusCodes.Status202Accepted, typeof(WebhookAccepted), Description = "Stored and queued.")]
    [Returns(StatusCodes.Status200OK, typeof(WebhookAccepted), Description = "The same delivery id with the same payload again: a duplicate.")]
    [Problems(StatusCodes.Status409Conflict, StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType, StatusCodes.Status503ServiceUnavailable)]
    [Function(nameof(ReceiveKintellWebhook))]
    public async Task<IActionResult> ReceiveKintellWebhook(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "webhooks/kintell/{kind}")] HttpRequest request,
        string kind, CancellationToken ct)
    {
        if (request.ContentLength > maxBodyBytes)
        {
            throw RequestBody.TooLarge(maxBodyBytes);
        }

        if (!IsJson(request.ContentType))
        {
            throw new ProblemException(HttpStatusCode.UnsupportedMediaType, "Unsupported content type",
                $"Send the payload as application/json (got '{request.ContentType ?? "none"}').");
        }

        var body = await RequestBody.ReadBytesAsync(request, maxBodyBytes, ct);
        var accepted = await receiver.ReceiveKintellAsync(kind, request.Headers, body, ct);
        return ApiResults.Json(accepted.Status == WebhookDeliveryStatus.Queued ? StatusCodes.Status202Accepted : StatusCodes.Status200OK, accepted);
    }

    private static bool IsJson(string? contentType) =>
        MediaTypeHeaderValue.TryParse(contentType, out var media)
        && (media.MediaType.Equals("application/json", StringComparison.OrdinalIgnoreCase)
            || media.MediaType.Value?.EndsWith("+json", StringComparison.OrdinalIgnoreCase) == true);
}
