using System.ComponentModel.DataAnnotations;

namespace Impact.Shared.Feedback.Drift;

/// <summary>Settings of the Q2Q drift check (section <c>Drift</c>).</summary>
public sealed class DriftOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Drift";

    /// <summary>Days of the recent window, ending at the check.</summary>
    [Range(1, 90)]
    public int RecentDays { get; set; } = 7;

    /// <summary>Days of the baseline window, ending where the recent window starts.</summary>
    [Range(1, 365)]
    public int BaselineDays { get; set; } = 28;

    /// <summary>Scored texts each window needs; below it the check is <c>insufficient_data</c> and never alerts.</summary>
    [Range(1, 1_000_000)]
    public int MinSamples { get; set; } = 50;
}
