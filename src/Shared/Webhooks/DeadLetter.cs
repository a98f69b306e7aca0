namespace Impact.Shared.Webhooks;

/// <summary>A delivery the queue gave up on.</summary>
public sealed record DeadLetter(string Source, string DeliveryId, string EventType, int Attempts, string? LastError,
    DateTime ReceivedAt, DateTime DeadLetteredAt);
