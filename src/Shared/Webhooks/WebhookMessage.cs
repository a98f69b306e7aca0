using System.Text.Json.Serialization;

namespace Impact.Shared.Webhooks;

/// <summary>What goes on the ingest queue: which delivery to process, never the payload itself.</summary>
/// <param name="Source">The partner, e.g. <c>kintell</c>.</param>
/// <param name="DeliveryId">The partner's delivery id.</param>
public sealed record WebhookMessage(string Source, string DeliveryId)
{
    /// <summary>
    /// How many times this delivery was put back on the queue after a transient database error (0 for a
    /// first message); it sets the next delay. Not written when 0, so first messages look as they always did.
    /// </summary>
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingDefault)]
    public int Retry { get; init; }
}
