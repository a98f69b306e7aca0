using Impact.Shared.Webhooks;

namespace Impact.Ingest.Webhooks;

/// <summary>The answer of <c>GET /v1/webhooks/dlq</c>: the newest dead letters and totals over all of them.</summary>
public sealed record DeadLetterList(IReadOnlyList<DeadLetter> Items, DeadLetterStats Stats);
