namespace Impact.Shared.ImpactIn;

/// <summary>What the partner answered.</summary>
/// <param name="Outcome">Succeeded, retryable or final.</param>
/// <param name="StatusCode">The HTTP status, when an answer came.</param>
/// <param name="RetryAfter">The partner's <c>Retry-After</c>, when it sent one.</param>
/// <param name="Error">What went wrong, in words (no secrets).</param>
/// <param name="ResponseExcerpt">The start of the response body.</param>
public sealed record PartnerResponse(AttemptOutcome Outcome, int? StatusCode, TimeSpan? RetryAfter, string? Error, string? ResponseExcerpt);
