namespace Impact.Ingest.Webhooks;

/// <summary>The answer of a replay-since: how many dead letters went back on the queue, and which.</summary>
public sealed record DeadLetterReplayBatch(int Queued, IReadOnlyList<string> DeliveryIds);
