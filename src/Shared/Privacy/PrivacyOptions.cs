using System.ComponentModel.DataAnnotations;

namespace Impact.Shared.Privacy;

/// <summary>Settings of DSAR exports and erasures (section <c>Privacy</c>).</summary>
public sealed record PrivacyOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Privacy";

    /// <summary>How long an erasure waits for a second administrator before it expires.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "90.00:00:00")]
    public TimeSpan ApprovalTimeout { get; init; } = TimeSpan.FromDays(7);

    /// <summary>How long a download link to an export stays valid.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "7.00:00:00")]
    public TimeSpan DownloadLinkLifetime { get; init; } = TimeSpan.FromHours(1);

    /// <summary>The blob container export ZIPs are written to (private; read only through SAS links).</summary>
    [Required, RegularExpression("^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$",
        ErrorMessage = "ExportsContainer must be a valid blob container name: 3-63 lower-case letters, digits and single hyphens.")]
    public string ExportsContainer { get; init; } = "privacy-exports";
}
