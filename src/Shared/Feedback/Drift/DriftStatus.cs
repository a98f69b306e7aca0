namespace Impact.Shared.Feedback.Drift;

/// <summary>Statuses of a drift check (<c>drift_checks.status</c>), from the PSI thresholds of SPEC §I.</summary>
public static class DriftStatus
{
    /// <summary>PSI at most <see cref="WarnAbove"/>.</summary>
    public const string Ok = "ok";
    /// <summary>PSI above <see cref="WarnAbove"/>.</summary>
    public const string Warn = "warn";
    /// <summary>PSI above <see cref="AlertAbove"/>: starts an alert episode.</summary>
    public const string Alert = "alert";
    /// <summary>A window had fewer scored texts than <see cref="DriftOptions.MinSamples"/>: no figures, no alert.</summary>
    public const string InsufficientData = "insufficient_data";

    /// <summary>Every status.</summary>
    public static readonly IReadOnlyList<string> All = [Ok, Warn, Alert, InsufficientData];

    /// <summary>The warn threshold of PSI (nats).</summary>
    public const double WarnAbove = 0.1;
    /// <summary>The alert threshold of PSI (nats).</summary>
    public const double AlertAbove = 0.2;

    /// <summary>The status of a PSI value.</summary>
    public static string Of(double psi) => psi > AlertAbove ? Alert : psi > WarnAbove ? Warn : Ok;
}
