using System.ComponentModel.DataAnnotations;

namespace Impact.Shared.ImpactIn;

/// <summary>A partner reached with OAuth2 client credentials.</summary>
public record OAuthPartnerOptions
{
    /// <summary>Base URL of the partner's API.</summary>
    public string? BaseUrl { get; init; }

    /// <summary>OAuth2 token endpoint.</summary>
    public string? TokenUrl { get; init; }

    /// <summary>OAuth2 client id.</summary>
    public string? ClientId { get; init; }

    /// <summary>OAuth2 client secret (Key Vault in Azure).</summary>
    public string? ClientSecret { get; init; }

    /// <summary>Optional OAuth2 scope.</summary>
    public string? Scope { get; init; }
}
