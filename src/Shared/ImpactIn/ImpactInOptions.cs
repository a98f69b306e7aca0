using System.ComponentModel.DataAnnotations;

namespace Impact.Shared.ImpactIn;

/// <summary>Settings of Impact-In deliveries (section <c>ImpactIn</c>). Secrets come from Key Vault in Azure.</summary>
public sealed record ImpactInOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "ImpactIn";

    /// <summary>Wait before the second attempt; later waits grow by <see cref="BackoffFactor"/>.</summary>
    [Range(typeof(TimeSpan), "00:00:00.010", "1.00:00:00")]
    public TimeSpan BackoffBase { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>Multiplier of the wait between attempts.</summary>
    [Range(1.0, 10.0)]
    public double BackoffFactor { get; init; } = 2;

    /// <summary>Attempts per delivery run, the first included.</summary>
    [Range(1, 10)]
    public int MaxAttempts { get; init; } = 3;

    /// <summary>Most schedules one scheduler tick claims.</summary>
    [Range(1, 10_000)]
    public int SchedulerBatchSize { get; init; } = 2_000;

    /// <summary>A delivery still pending this long after it was created or replayed gets its orchestration started again.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan RestartPendingAfter { get; init; } = TimeSpan.FromMinutes(2);

    /// <summary>Time-out of one HTTP request to a partner.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "00:05:00")]
    public TimeSpan HttpTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Benevity: OAuth2 client credentials.</summary>
    public OAuthPartnerOptions Benevity { get; init; } = new();

    /// <summary>Goodera: API key, batches and rate limit.</summary>
    public GooderaOptions Goodera { get; init; } = new();

    /// <summary>Workday: OAuth2 client credentials and a tenant.</summary>
    public WorkdayOptions Workday { get; init; } = new();

    /// <summary>
    /// Errors in the partner settings (an empty list when they are usable). Partner URLs must be https, except in
    /// <paramref name="development"/> or for a loopback host (a partner faked on this machine).
    /// </summary>
    public IReadOnlyList<string> PartnerErrors(bool development)
    {
        var errors = new List<string>();
        CheckUrl(errors, "ImpactIn:Benevity:BaseUrl", Benevity.BaseUrl, development);
        CheckUrl(errors, "ImpactIn:Benevity:TokenUrl", Benevity.TokenUrl, development);
        CheckUrl(errors, "ImpactIn:Goodera:BaseUrl", Goodera.BaseUrl, development);
        CheckUrl(errors, "ImpactIn:Workday:BaseUrl", Workday.BaseUrl, development);
        CheckUrl(errors, "ImpactIn:Workday:TokenUrl", Workday.TokenUrl, development);
        if (Goodera.MaxRecordsPerRequest is < 1 or > 100)
        {
            errors.Add("ImpactIn:Goodera:MaxRecordsPerRequest must be between 1 and 100 (Goodera takes at most 100 records per request).");
        }

        if (Goodera.RequestsPerMinute is < 1 or > 100)
        {
            errors.Add("ImpactIn:Goodera:RequestsPerMinute must be between 1 and 100 (Goodera allows at most 100 requests a minute).");
        }

        if (Goodera.RateWindow < TimeSpan.FromSeconds(1) || Goodera.RateWindow > TimeSpan.FromHours(1))
        {
            errors.Add("ImpactIn:Goodera:RateWindow must be between 00:00:01 and 01:00:00.");
        }

        return errors;
    }

    private static void CheckUrl(List<string> errors, string key, string? value, bool development)
    {
        // Unset is allowed: a platform without settings fails its deliveries with a clear error instead.
        if (string.IsNullOrEmpty(value))
        {
            return;
        }

        if (!(Uri.TryCreate(value, UriKind.Absolute, out var uri) && (uri.Scheme == Uri.UriSchemeHttps || uri.Scheme == Uri.UriSchemeHttp)))
        {
            errors.Add($"{key} must be an absolute http(s) URL, got '{value}'.");
        }
        else if (uri.Scheme == Uri.UriSchemeHttp && !development && !uri.IsLoopback)
        {
            // Tokens, secrets and company figures go to this URL: in clear text anyone on the path reads them.
            errors.Add($"{key} must be https outside Development, got '{value}'.");
        }
    }
}
