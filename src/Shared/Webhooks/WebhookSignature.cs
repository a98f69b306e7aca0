using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Impact.Shared.Webhooks;

/// <summary>
/// Verifies partner webhook signatures over the raw request bytes, in both schemes we accept:
/// Kintell's (<c>X-Kintell-Signature: t=&lt;unix&gt;,v1=&lt;hex&gt;</c>, HMAC-SHA256 over <c>"t.body"</c>)
/// and Standard Webhooks (<c>webhook-id</c>, <c>webhook-timestamp</c>, <c>webhook-signature: v1,&lt;base64&gt; ...</c>,
/// HMAC-SHA256 over <c>"id.timestamp.body"</c>). Comparisons are constant-time.
/// </summary>
public static class WebhookSignature
{
    /// <summary>Kintell's signature header.</summary>
    public const string KintellHeader = "X-Kintell-Signature";
    /// <summary>Kintell's delivery id header.</summary>
    public const string KintellDeliveryIdHeader = "X-Delivery-Id";
    /// <summary>Standard Webhooks message id header.</summary>
    public const string StandardIdHeader = "webhook-id";
    /// <summary>Standard Webhooks timestamp header.</summary>
    public const string StandardTimestampHeader = "webhook-timestamp";
    /// <summary>Standard Webhooks signature header.</summary>
    public const string StandardSignatureHeader = "webhook-signature";

    private const string SecretPrefix = "whsec_";

    /// <summary>Checks the request's signature headers against the raw body.</summary>
    public static SignatureCheck Verify(IHeaderDictionary headers, ReadOnlySpan<byte> body, IReadOnlyList<byte[]> keys,
        DateTimeOffset now, TimeSpan tolerance)
    {
        if (headers.TryGetValue(StandardSignatureHeader, out var standard) && !string.IsNullOrEmpty(standard))
        {
            return VerifyStandard(headers[StandardIdHeader].ToString(), headers[StandardTimestampHeader].ToString(),
                standard.ToString(), body, keys, now, tolerance);
        }

        if (headers.TryGetValue(KintellHeader, out var kintell) && !string.IsNullOrEmpty(kintell))
        {
            return VerifyKintell(headers[KintellDeliveryIdHeader].ToString(), kintell.ToString(), body, keys, now, tolerance);
        }

        return new SignatureCheck(false, null, SignatureFailure.Missing,
            $"Sign the request with {KintellHeader} (and {KintellDeliveryIdHeader}) or with the Standard Webhooks headers {StandardIdHeader}, {StandardTimestampHeader} and {StandardSignatureHeader}.");
    }

    /// <summary>Standard Webhooks: any <c>v1,&lt;base64&gt;</c> entry made by any key passes.</summary>
    public static SignatureCheck VerifyStandard(string id, string timestamp, string signatureHeader, ReadOnlySpan<byte> body,
        IReadOnlyList<byte[]> keys, DateTimeOffset now, TimeSpan tolerance)
    {
        if (string.IsNullOrWhiteSpace(id))
        {
            return new SignatureCheck(false, null, SignatureFailure.MissingDeliveryId, $"The {StandardIdHeader} header is missing.");
        }

        if (CheckTimestamp(timestamp, now, tolerance, StandardTimestampHeader) is { } stale)
        {
            return stale with { DeliveryId = id };
        }

        var signed = Concat($"{id}.{timestamp}.", body);
        Span<byte> expected = stackalloc byte[32];
        Span<byte> given = stackalloc byte[64];
        foreach (var entry in signatureHeader.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var comma = entry.IndexOf(',', StringComparison.Ordinal);
            if (comma < 0 || !entry.AsSpan(0, comma).SequenceEqual("v1")
                || !Convert.TryFromBase64String(entry[(comma + 1)..], given, out var length) || length != 32)
            {
                continue;
            }

            foreach (var key in keys)
            {
                HMACSHA256.HashData(key, signed, expected);
                if (CryptographicOperations.FixedTimeEquals(expected, given[..32]))
                {
                    return new SignatureCheck(true, id, SignatureFailure.None);
                }
            }
        }

        return new SignatureCheck(false, id, SignatureFailure.Mismatch, "The signature does not match the body with any active secret.");
    }

    /// <summary>Kintell: <c>t=&lt;unix seconds&gt;,v1=&lt;hex&gt;</c> (several v1 entries allowed).</summary>
    public static SignatureCheck VerifyKintell(string deliveryId, string signatureHeader, ReadOnlySpan<byte> body,
        IReadOnlyList<byte[]> keys, DateTimeOffset now, TimeSpan tolerance)
    {
        string? timestamp = null;
        var signatures = new List<string>();
        foreach (var part in signatureHeader.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (part.StartsWith("t=", StringComparison.Ordinal))
            {
                timestamp = part[2..];
            }
            else if (part.StartsWith("v1=", StringComparison.Ordinal))
            {
                signatures.Add(part[3..]);
            }
        }

        if (timestamp is null || signatures.Count == 0)
        {
            return new SignatureCheck(false, NullIfEmpty(deliveryId), SignatureFailure.Malformed,
                $"{KintellHeader} must look like t=<unix seconds>,v1=<hex HMAC-SHA256>.");
        }

        if (string.IsNullOrWhiteSpace(deliveryId))
        {
            return new SignatureCheck(false, null, SignatureFailure.MissingDeliveryId, $"The {KintellDeliveryIdHeader} header is missing.");
        }

        if (CheckTimestamp(timestamp, now, tolerance, $"{KintellHeader} t") is { } stale)
        {
            return stale with { DeliveryId = deliveryId };
        }

        var signed = Concat($"{timestamp}.", body);
        Span<byte> expected = stackalloc byte[32];
        Span<byte> given = stackalloc byte[32];
        foreach (var hex in signatures)
        {
            if (hex.Length != 64 || Convert.FromHexString(hex, given, out _, out var written) != System.Buffers.OperationStatus.Done || written != 32)
            {
                continue;
            }

            foreach (var key in keys)
            {
                HMACSHA256.HashData(key, signed, expected);
                if (CryptographicOperations.FixedTimeEquals(expected, given))
                {
                    return new SignatureCheck(true, deliveryId, SignatureFailure.None);
                }
            }
        }

        return new SignatureCheck(false, deliveryId, SignatureFailure.Mismatch, "The signature does not match the body with any active secret.");
    }

    /// <summary>Signs like Kintell does (for tests, tools and benchmarks).</summary>
    public static string SignKintell(byte[] key, long timestamp, ReadOnlySpan<byte> body) =>
        $"t={timestamp.ToString(CultureInfo.InvariantCulture)},v1={Convert.ToHexStringLower(HMACSHA256.HashData(key, Concat($"{timestamp}.", body)))}";

    /// <summary>Signs like a Standard Webhooks sender (for tests, tools and benchmarks).</summary>
    public static string SignStandard(byte[] key, string id, long timestamp, ReadOnlySpan<byte> body) =>
        "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, Concat($"{id}.{timestamp.ToString(CultureInfo.InvariantCulture)}.", body)));

    /// <summary>Parses a space- or comma-separated list of secrets into HMAC keys.</summary>
    public static IReadOnlyList<byte[]> ParseSecrets(string secrets) =>
        secrets.Split([' ', ',', ';', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(KeyOf)
            .ToList();

    /// <summary>The HMAC key of one secret.</summary>
    public static byte[] KeyOf(string secret) =>
        secret.StartsWith(SecretPrefix, StringComparison.Ordinal)
            ? Convert.FromBase64String(secret[SecretPrefix.Length..])
            : Encoding.UTF8.GetBytes(secret);

    private static SignatureCheck? CheckTimestamp(string value, DateTimeOffset now, TimeSpan tolerance, string header)
    {
        if (!long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
        {
            return new SignatureCheck(false, null, SignatureFailure.Malformed, $"The {header} timestamp must be whole Unix seconds.");
        }

        var skew = Math.Abs(now.ToUnixTimeSeconds() - seconds);
        return skew > tolerance.TotalSeconds
            ? new SignatureCheck(false, null, SignatureFailure.StaleTimestamp,
                $"The {header} timestamp is {skew} s away from our clock; at most {tolerance.TotalSeconds:0} s is accepted. Check the sender's clock, or re-sign when retrying.")
            : null;
    }

    private static byte[] Concat(string prefix, ReadOnlySpan<byte> body)
    {
        var count = Encoding.UTF8.GetByteCount(prefix);
        var buffer = new byte[count + body.Length];
        Encoding.UTF8.GetBytes(prefix, buffer);
        body.CopyTo(buffer.AsSpan(count));
        return buffer;
    }

    private static string? NullIfEmpty(string s) => string.IsNullOrWhiteSpace(s) ? null : s;
}
