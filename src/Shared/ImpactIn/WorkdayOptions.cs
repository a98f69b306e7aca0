namespace Impact.Shared.ImpactIn;

/// <summary>Workday: OAuth2 plus the tenant sent in <c>X-Workday-Tenant</c>.</summary>
public sealed record WorkdayOptions : OAuthPartnerOptions
{
    /// <summary>The Workday tenant.</summary>
    public string? Tenant { get; init; }
}
