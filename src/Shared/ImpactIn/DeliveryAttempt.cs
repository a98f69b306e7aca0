namespace Impact.Shared.ImpactIn;

/// <summary>One recorded attempt.</summary>
/// <param name="Attempt">1, 2, … over the delivery's life, replays included.</param>
/// <param name="InstanceId">The orchestration that made it.</param>
/// <param name="StartedAt">When the request started.</param>
/// <param name="DurationMs">How long it took.</param>
/// <param name="StatusCode">HTTP status, when an answer came.</param>
/// <param name="Outcome">succeeded, retryable or final.</param>
/// <param name="Error">What went wrong.</param>
/// <param name="ResponseExcerpt">The start of the partner's answer.</param>
public sealed record DeliveryAttempt(int Attempt, string InstanceId, DateTime StartedAt, int DurationMs, int? StatusCode, string Outcome,
    string? Error, string? ResponseExcerpt);
