using System.ComponentModel.DataAnnotations;

namespace Impact.Shared.ImpactIn;

/// <summary>Goodera: API key, batch size and rate limit.</summary>
public sealed record GooderaOptions
{
    /// <summary>Base URL of Goodera's API.</summary>
    public string? BaseUrl { get; init; }

    /// <summary>The API key sent in <c>X-API-Key</c> (Key Vault in Azure).</summary>
    public string? ApiKey { get; init; }

    /// <summary>Records (impact dimensions) per request; Goodera takes at most 100.</summary>
    public int MaxRecordsPerRequest { get; init; } = 100;

    /// <summary>Requests per <see cref="RateWindow"/> from this instance; Goodera allows at most 100 a minute.</summary>
    public int RequestsPerMinute { get; init; } = 100;

    /// <summary>The window <see cref="RequestsPerMinute"/> applies to: one minute (tests shrink it).</summary>
    public TimeSpan RateWindow { get; init; } = TimeSpan.FromMinutes(1);
}
