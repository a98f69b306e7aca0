using System.Text;
using Azure.Storage.Queues;
using Dapper;
using Impact.Ingest.Webhooks;
using Impact.Shared.Webhooks;
using Impact.TestSupport;
using Microsoft.AspNetCore.Http;

namespace Impact.Ingest.Tests.Webhooks;

public sealed class KintellWebhookTests
{
    private static Task<TestResponse> Post(TestApp app, HttpRequest request, string kind) =>
        HttpInvoker.InvokeAsync(request, r => app.Function<KintellWebhook>().ReceiveKintellWebhook(r, kind, CancellationToken.None));

    private static async Task<int> QueueLength(QueueClient queue) =>
        (await queue.PeekMessagesAsync(maxMessages: 32)).Value.Length;

    [Fact]
    public async Task AValidDeliveryIsStoredQueuedAndAnswered202()
    {
        await using var app = await TestApp.StartAsync();
        var body = Kintell.Json(Kintell.Session("s-1"));

        var response = await Post(app, Kintell.Signed("session-completed", "d-1", body), "session-completed");

        Assert.Equal(202, response.Status);
        Assert.Equal("d-1", response.Json.GetProperty("deliveryId").GetString());
        Assert.Equal("queued", response.Json.GetProperty("status").GetString());
        var messages = (await app.Queue.ReceiveMessagesAsync(10)).Value;
        var message = Assert.Single(messages);
        Assert.Equal(new WebhookMessage("kintell", "d-1"), WebhookQueue.Parse(message.Body.ToString()) with { TraceParent = null }); // the trace context is TelemetryTests' subject
        Assert.DoesNotContain("participant", message.Body.ToString(), StringComparison.OrdinalIgnoreCase);
        var row = await app.Service<WebhookDeliveries>().FindAsync("kintell", "d-1");
        Assert.Equal("queued", row!.Status);
        Assert.Equal("session-completed", row.EventType);
    }

    [Fact]
    public async Task StandardWebhooksSignaturesAreAcceptedToo()
    {
        await using var app = await TestApp.StartAsync();
        var body = Kintell.Json(Kintell.Booking("b-1"));

        var response = await Post(app, Kintell.SignedStandard("booking-confirmed", "msg_1", body), "booking-confirmed");

        Assert.Equal(202, response.Status);
        Assert.Equal("msg_1", response.Json.GetProperty("deliveryId").GetString());
        Assert.Equal("queued", response.Json.GetProperty("status").GetString());
        var message = Assert.Single((await app.Queue.ReceiveMessagesAsync(10)).Value);
        Assert.Equal(new WebhookMessage("kintell", "msg_1"), WebhookQueue.Parse(message.Body.ToString()) with { TraceParent = null });
        var row = await app.Service<WebhookDeliveries>().FindAsync("kintell", "msg_1");
        Assert.Equal("queued", row!.Status);
        Assert.Equal("booking-confirmed", row.EventType);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(body)), row.PayloadHash);
    }

    [Fact]
    public async Task FiftyConcurrentPostsOfOneDeliveryStoreOneRowAndQueueOneMessage()
    {
        await using var app = await TestApp.StartAsync();
        var body = Kintell.Json(Kintell.Session("s-50"));

        var responses = await Task.WhenAll(Enumerable.Range(0, 50).Select(_ =>
            Task.Run(() => Post(app, Kintell.Signed("session-completed", "d-50", body), "session-completed"))));

        Assert.Single(responses, r => r.Status == 202);
        Assert.Equal(49, responses.Count(r => r.Status == 200 && r.Json.GetProperty("status").GetString() == "duplicate"));
        await using var conn = await app.Database.DataSource.OpenConnectionAsync();
        Assert.Equal(1, await conn.ExecuteScalarAsync<int>("SELECT count(*) FROM impact.webhook_deliveries"));
        Assert.Equal(1, await QueueLength(app.Queue));
    }

    [Fact]
    public async Task TheSameDeliveryIdWithADifferentBodyIsAConflict()
    {
        await using var app = await TestApp.StartAsync();
        await Post(app, Kintell.Signed("session-completed", "d-2", Kintell.Json(Kintell.Session("s-2"))), "session-completed");

        var response = await Post(app, Kintell.Signed("session-completed", "d-2", Kintell.Json(Kintell.Session("s-2", minutes: 60))), "session-completed");

        Assert.Equal(409, response.Status);
        Assert.Equal("application/problem+json", response.ContentType);
        Assert.Contains("d-2", response.Json.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, await QueueLength(app.Queue));
    }

    public static TheoryData<string, int, string> BadRequests() => new()
    {
        { "missing-delivery-id", 400, "Missing delivery id" },
        { "malformed-json", 400, "The body is not valid JSON" },
        { "invalid-fields", 400, "The request is not valid" },
        { "not-an-object", 400, "The request is not valid" },
        { "no-signature", 401, "Invalid webhook signature" },
        { "wrong-secret", 401, "Invalid webhook signature" },
        { "stale-timestamp", 401, "Invalid webhook signature" },
        { "future-timestamp", 401, "Invalid webhook signature" },
        { "too-large", 413, "Payload too large" },
        { "too-large-chunked", 413, "Payload too large" },
        { "not-json", 415, "Unsupported content type" },
        { "unknown-kind", 404, "Unknown webhook kind" },
    };

    [Theory]
    [MemberData(nameof(BadRequests))]
    public async Task BadInputGetsItsStatusAndAProblemBodyAndNothingIsRecorded(string @case, int status, string title)
    {
        await using var app = await TestApp.StartAsync();
        var good = Kintell.Json(Kintell.Session("s-bad"));
        var kind = "session-completed";
        HttpRequest request;
        switch (@case)
        {
            case "missing-delivery-id":
                request = Kintell.Signed(kind, "x", good);
                request.Headers.Remove(WebhookSignature.KintellDeliveryIdHeader);
                break;
            case "malformed-json":
                request = Kintell.Signed(kind, "d", "{\"session_id\": \"s\","u8.ToArray());
                break;
            case "invalid-fields":
                request = Kintell.Signed(kind, "d", Kintell.Json(Kintell.Session("s", participant: "not-an-email", type: "yoga", minutes: -5, level: "Z9")));
                break;
            case "not-an-object":
                request = Kintell.Signed(kind, "d", "[1,2,3]"u8.ToArray());
                break;
            case "no-signature":
                request = HttpInvoker.Request("POST", "/v1/webhooks/kintell/session-completed", good, headers: new Dictionary<string, string> { ["X-Delivery-Id"] = "d" });
                break;
            case "wrong-secret":
                request = Kintell.Signed(kind, "d", good, secret: "not-the-secret");
                break;
            case "stale-timestamp":
                request = Kintell.Signed(kind, "d", good, at: DateTimeOffset.UtcNow.AddSeconds(-301));
                break;
            case "future-timestamp":
                request = Kintell.Signed(kind, "d", good, at: DateTimeOffset.UtcNow.AddSeconds(301));
                break;
            case "too-large":
                request = Kintell.Signed(kind, "d", Encoding.UTF8.GetBytes(new string(' ', 256 * 1024 + 1)));
                break;
            case "too-large-chunked":
                request = Kintell.Signed(kind, "d", Encoding.UTF8.GetBytes(new string(' ', 256 * 1024 + 1)));
                request.ContentLength = null;
                break;
            case "not-json":
                request = Kintell.Signed(kind, "d", good, contentType: "text/plain");
                break;
            case "unknown-kind":
                kind = "session-cancelled";
                request = Kintell.Signed(kind, "d", good);
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(@case));
        }

        var signature = request.Headers[WebhookSignature.KintellHeader].ToString();
        var response = await Post(app, request, kind);

        Assert.Equal(status, response.Status);
        Assert.Equal("application/problem+json", response.ContentType);
        Assert.Equal(title, response.Json.GetProperty("title").GetString());
        Assert.False(string.IsNullOrWhiteSpace(response.Json.GetProperty("detail").GetString()));
        Assert.DoesNotContain(TestApp.KintellSecret, response.Body, StringComparison.Ordinal);
        if (signature.Length > 0)
        {
            Assert.DoesNotContain(signature[(signature.IndexOf("v1=", StringComparison.Ordinal) + 3)..], response.Body, StringComparison.Ordinal);
        }

        Assert.DoesNotContain("   at ", response.Body, StringComparison.Ordinal);
        await using var conn = await app.Database.DataSource.OpenConnectionAsync();
        Assert.Equal(0, await conn.ExecuteScalarAsync<int>("SELECT count(*) FROM impact.webhook_deliveries"));
        Assert.Equal(0, await QueueLength(app.Queue));
    }

    [Fact]
    public async Task AnInvalidPayloadListsEveryBadField()
    {
        await using var app = await TestApp.StartAsync();
        var body = Kintell.Json(Kintell.Session("s", participant: "not-an-email", type: "yoga", minutes: -5, level: "Z9"));

        var response = await Post(app, Kintell.Signed("session-completed", "d", body), "session-completed");

        var errors = response.Json.GetProperty("errors");
        Assert.Equal(
            new[] { "duration_minutes", "language_level", "participant_email", "session_type" },
            errors.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        Assert.Contains("language, mentorship", errors.GetProperty("session_type")[0].GetString(), StringComparison.Ordinal);
    }
}
