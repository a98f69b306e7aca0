using Impact.Shared.ImpactIn;

namespace Impact.Orchestrations.ImpactIn;

/// <summary>What one attempt came to, as the orchestrator needs it.</summary>
public sealed record AttemptResult(AttemptOutcome Outcome, int? StatusCode, TimeSpan? RetryAfter, string? Error);
