namespace Impact.Ingest.Webhooks;

/// <summary>What became of one dead letter: replayed (<c>processed</c>) or <c>discarded</c>.</summary>
public sealed record DeadLetterOutcome(string DeliveryId, string Status);
