using System.ComponentModel.DataAnnotations;

namespace Impact.Shared.Cohorts;

/// <summary>Settings of the cohort refresher (section <c>Cohorts</c>).</summary>
public sealed class CohortOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Cohorts";

    /// <summary>Events read per pass (one transaction with the membership and dirty-period changes they cause).</summary>
    [Range(1, 100_000)]
    public int EventBatchSize { get; set; } = 5_000;

    /// <summary>Cohort × metric × period rows recomputed and replaced per transaction.</summary>
    [Range(1, 100_000)]
    public int RecomputeBatchSize { get; set; } = 500;
}
