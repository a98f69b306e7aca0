namespace Impact.Shared.ImpactIn;

/// <summary>A token, or the answer to record when none could be had.</summary>
/// <param name="AccessToken">The bearer token.</param>
/// <param name="Failure">Why there is none.</param>
public sealed record TokenResult(string? AccessToken, PartnerResponse? Failure);
