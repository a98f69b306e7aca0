using System.Text;
using System.Text.Json;
using Impact.Shared.Webhooks;
using Microsoft.AspNetCore.Http;

namespace Impact.Shared.Tests.Webhooks;

public sealed class WebhookSignatureTests
{
    // The published test vector of the Standard Webhooks specification.
    private const string VectorSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    private const string VectorId = "msg_p5jXN8AQM9LWM0D4loKWxJek";
    private const string VectorTimestamp = "1614265330";
    private const string VectorBody = "{\"test\": 2432232314}";
    private const string VectorSignature = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=";
    private static readonly DateTimeOffset VectorTime = DateTimeOffset.FromUnixTimeSeconds(1614265330);
    private static readonly TimeSpan Tolerance = TimeSpan.FromSeconds(300);

    private static SignatureCheck Standard(string id, string timestamp, string body, string signature, DateTimeOffset now, params string[] secrets) =>
        WebhookSignature.Verify(new HeaderDictionary
        {
            ["webhook-id"] = id,
            ["webhook-timestamp"] = timestamp,
            ["webhook-signature"] = signature,
        }, Encoding.UTF8.GetBytes(body), secrets.Select(WebhookSignature.KeyOf).ToList(), now, Tolerance);

    [Fact]
    public void TheStandardWebhooksTestVectorVerifies()
    {
        var check = Standard(VectorId, VectorTimestamp, VectorBody, VectorSignature, VectorTime, VectorSecret);

        Assert.True(check.Valid);
        Assert.Equal(VectorId, check.DeliveryId);
        Assert.Equal(VectorSignature, WebhookSignature.SignStandard(WebhookSignature.KeyOf(VectorSecret), VectorId, 1614265330, Encoding.UTF8.GetBytes(VectorBody)));
    }

    [Theory]
    [InlineData("body")]
    [InlineData("id")]
    [InlineData("timestamp")]
    public void AOneByteChangeBreaksTheStandardSignature(string part)
    {
        var body = part == "body" ? "{\"test\": 2432232315}" : VectorBody;
        var id = part == "id" ? "msg_p5jXN8AQM9LWM0D4loKWxJeL" : VectorId;
        var timestamp = part == "timestamp" ? "1614265331" : VectorTimestamp;

        var check = Standard(id, timestamp, body, VectorSignature, VectorTime, VectorSecret);

        Assert.False(check.Valid);
        Assert.Equal(SignatureFailure.Mismatch, check.Failure);
    }

    [Theory]
    [InlineData(-301, false)]
    [InlineData(301, false)]
    [InlineData(-300, true)]
    [InlineData(300, true)]
    public void TimestampsMoreThan300SecondsAwayInEitherDirectionFail(int offsetSeconds, bool valid)
    {
        var key = WebhookSignature.KeyOf(VectorSecret);
        var now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
        var ts = now.ToUnixTimeSeconds() + offsetSeconds;
        var signature = WebhookSignature.SignStandard(key, "msg_1", ts, Encoding.UTF8.GetBytes(VectorBody));

        var check = Standard("msg_1", ts.ToString(System.Globalization.CultureInfo.InvariantCulture), VectorBody, signature, now, VectorSecret);

        Assert.Equal(valid, check.Valid);
        if (!valid)
        {
            Assert.Equal(SignatureFailure.StaleTimestamp, check.Failure);
        }
    }

    [Fact]
    public void DuringRotationSignaturesByTheOldAndTheNewSecretBothPass()
    {
        const string oldSecret = "whsec_" + "b2xkLXNlY3JldC1vbGQtc2VjcmV0LW9sZA==";
        const string newSecret = "whsec_" + "bmV3LXNlY3JldC1uZXctc2VjcmV0LW5ldw==";
        var now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
        var body = Encoding.UTF8.GetBytes(VectorBody);

        foreach (var signer in new[] { oldSecret, newSecret })
        {
            var signature = WebhookSignature.SignStandard(WebhookSignature.KeyOf(signer), "msg_rot", now.ToUnixTimeSeconds(), body);
            Assert.True(Standard("msg_rot", "1800000000", VectorBody, signature, now, oldSecret, newSecret).Valid);
        }

        var byRetired = WebhookSignature.SignStandard(WebhookSignature.KeyOf("whsec_cmV0aXJlZA=="), "msg_rot", now.ToUnixTimeSeconds(), body);
        Assert.False(Standard("msg_rot", "1800000000", VectorBody, byRetired, now, oldSecret, newSecret).Valid);
    }

    [Fact]
    public void AKintellSignedBodyWithExtraWhitespaceVerifiesButTheReserialisedJsonDoesNot()
    {
        var key = WebhookSignature.KeyOf("kintell-secret");
        var now = DateTimeOffset.FromUnixTimeSeconds(1_800_000_000);
        var raw = "{\n  \"session_id\" :  \"s-1\",\n  \"rating\": 5 ,\"from_role\":\"participant\"\n}\n";
        var header = WebhookSignature.SignKintell(key, now.ToUnixTimeSeconds(), Encoding.UTF8.GetBytes(raw));

        var asSent = WebhookSignature.VerifyKintell("d-1", header, Encoding.UTF8.GetBytes(raw), [key], now, Tolerance);

        // What the old system hashed: the same JSON parsed and written again, keys in another order.
        var parsed = JsonSerializer.Deserialize<SortedDictionary<string, JsonElement>>(raw)!;
        var reserialised = JsonSerializer.Serialize(parsed);
        var afterReserialising = WebhookSignature.VerifyKintell("d-1", header, Encoding.UTF8.GetBytes(reserialised), [key], now, Tolerance);

        Assert.True(asSent.Valid);
        Assert.NotEqual(raw, reserialised);
        Assert.False(afterReserialising.Valid);
        Assert.Equal(SignatureFailure.Mismatch, afterReserialising.Failure);
    }

    [Theory]
    [InlineData("t=abc,v1=00")]
    [InlineData("v1=0011")]
    [InlineData("garbage")]
    public void MalformedKintellHeadersAreRejectedWithoutThrowing(string header)
    {
        var check = WebhookSignature.VerifyKintell("d-1", header, "{}"u8, [WebhookSignature.KeyOf("k")], DateTimeOffset.UtcNow, Tolerance);

        Assert.False(check.Valid);
        Assert.NotEqual(SignatureFailure.None, check.Failure);
    }

    [Fact]
    public void NoSignatureHeadersAtAllIsMissing()
    {
        var check = WebhookSignature.Verify(new HeaderDictionary(), "{}"u8, [WebhookSignature.KeyOf("k")], DateTimeOffset.UtcNow, Tolerance);

        Assert.Equal(SignatureFailure.Missing, check.Failure);
    }
}
