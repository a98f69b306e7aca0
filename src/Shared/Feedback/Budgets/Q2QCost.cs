using System.Text;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Impact.Shared.Feedback.Budgets;

/// <summary>
/// Prices and the token bound a reservation is computed from. A reservation must never be smaller than what the call
/// can cost, or concurrent calls could overspend: the input bound counts every UTF-8 byte of the messages and of the
/// response schema as a token (a BPE token is at least one byte), plus a per-message overhead; the output bound is the
/// call's maximum output tokens, which the provider enforces.
/// </summary>
public static class Q2QCost
{
    // Role markers and separators the chat format adds per message, and the reply's priming: generous.
    private const int TokensPerMessage = 8;
    private const int TokensPerCall = 16;

    /// <summary>USD for the given tokens at the model's prices (USD per 1,000,000 tokens).</summary>
    public static decimal Usd(long inputTokens, long outputTokens, decimal inputUsdPerMillion, decimal outputUsdPerMillion) =>
        ((inputTokens * inputUsdPerMillion) + (outputTokens * outputUsdPerMillion)) / 1_000_000m;

    /// <summary>An upper bound of the input tokens of a call with <paramref name="messages"/> and <paramref name="options"/>.</summary>
    public static long InputTokenBound(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        long tokens = TokensPerCall;
        foreach (var m in messages)
        {
            tokens += TokensPerMessage + Encoding.UTF8.GetByteCount(m.Text);
        }

        if (options?.ResponseFormat is ChatResponseFormatJson { Schema: { } schema } json)
        {
            tokens += Encoding.UTF8.GetByteCount(JsonSerializer.Serialize(schema)) + Encoding.UTF8.GetByteCount(json.SchemaName ?? "")
                + Encoding.UTF8.GetByteCount(json.SchemaDescription ?? "");
        }

        return tokens;
    }
}
