using System.Globalization;
using System.Text;
using System.Text.Json;
using Impact.Shared.Webhooks;
using Impact.TestSupport;
using Microsoft.AspNetCore.Http;

namespace Impact.Ingest.Tests.Webhooks;

/// <summary>Builds Kintell payloads and signed requests the way the partner sends them.</summary>
public static class Kintell
{
    public static object Session(string sessionId, string participant = "Participant@Example.org", string volunteer = "volunteer@acme.example",
        string type = "language", int minutes = 45, string? level = "b1") => new Dictionary<string, object?>
    {
        ["session_id"] = sessionId,
        ["session_type"] = type,
        ["participant_email"] = participant,
        ["volunteer_email"] = volunteer,
        ["scheduled_at"] = "2026-11-01T10:00:00Z",
        ["completed_at"] = "2026-11-01T10:45:00+00:00",
        ["duration_minutes"] = minutes,
        ["topics"] = new[] { "job interview", "grammar" },
        ["language_level"] = level,
    };

    public static object Rating(string ratingId, string sessionId, int rating, string role = "participant") => new Dictionary<string, object?>
    {
        ["rating_id"] = ratingId,
        ["session_id"] = sessionId,
        ["from_role"] = role,
        ["rating"] = rating,
        ["feedback_text"] = "Very helpful",
        ["created_at"] = "2026-11-01T11:00:00Z",
    };

    public static object Booking(string bookingId) => new Dictionary<string, object?>
    {
        ["booking_id"] = bookingId,
        ["session_type"] = "mentorship",
        ["participant_email"] = "newcomer@example.org",
        ["volunteer_email"] = "mentor@acme.example",
        ["scheduled_at"] = "2026-12-01T09:00:00Z",
    };

    public static byte[] Json(object payload) => JsonSerializer.SerializeToUtf8Bytes(payload);

    /// <summary>A request signed with Kintell's scheme.</summary>
    public static HttpRequest Signed(string kind, string deliveryId, byte[] body, string secret = TestApp.KintellSecret,
        DateTimeOffset? at = null, string contentType = "application/json")
    {
        var ts = (at ?? DateTimeOffset.UtcNow).ToUnixTimeSeconds();
        return HttpInvoker.Request("POST", $"/v1/webhooks/kintell/{kind}", body, contentType, new Dictionary<string, string>
        {
            [WebhookSignature.KintellHeader] = WebhookSignature.SignKintell(WebhookSignature.KeyOf(secret), ts, body),
            [WebhookSignature.KintellDeliveryIdHeader] = deliveryId,
        });
    }

    /// <summary>A request signed with the Standard Webhooks scheme.</summary>
    public static HttpRequest SignedStandard(string kind, string deliveryId, byte[] body, string secret = TestApp.StandardSecret)
    {
        var ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        return HttpInvoker.Request("POST", $"/v1/webhooks/kintell/{kind}", body, "application/json", new Dictionary<string, string>
        {
            ["webhook-id"] = deliveryId,
            ["webhook-timestamp"] = ts.ToString(CultureInfo.InvariantCulture),
            ["webhook-signature"] = WebhookSignature.SignStandard(WebhookSignature.KeyOf(secret), deliveryId, ts, body),
        });
    }

    public static string Text(byte[] body) => Encoding.UTF8.GetString(body);
}
