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
