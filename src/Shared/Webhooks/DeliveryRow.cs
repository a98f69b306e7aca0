namespace Impact.Shared.Webhooks;

/// <summary>One row of <c>impact.webhook_deliveries</c>.</summary>
public sealed record DeliveryRow(long Id, string Source, string DeliveryId, string EventType, string PayloadHash, string Payload,
    string Status, int Attempts, string? LastError, DateTime ReceivedAt, DateTime? QueuedAt, DateTime? ProcessedAt, DateTime UpdatedAt);
