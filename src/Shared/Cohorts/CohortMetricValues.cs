namespace Impact.Shared.Cohorts;

/// <summary>
/// One cohort's metric over one period, exact: sample size, mean, <c>percentile_cont</c> 0.5/0.75/0.95, min, max and
/// sample standard deviation (<c>stddev_samp</c>; null for a single value). A period without data has <c>n = 0</c> and no values.
/// </summary>
/// <param name="CohortId">The cohort.</param>
/// <param name="Metric">The metric.</param>
/// <param name="Period">The period's name (<c>2026-03</c>, <c>2026-Q1</c>).</param>
/// <param name="PeriodKind"><c>month</c> or <c>quarter</c>.</param>
/// <param name="PeriodStart">The first day of the period.</param>
/// <param name="N">Sample size.</param>
/// <param name="Avg">Mean.</param>
/// <param name="P50">Median.</param>
/// <param name="P75">75th percentile.</param>
/// <param name="P95">95th percentile.</param>
/// <param name="Min">Smallest value.</param>
/// <param name="Max">Largest value.</param>
/// <param name="Stddev">Sample standard deviation.</param>
/// <param name="ComputedAt">When the row was computed.</param>
public sealed record CohortMetricValues(Guid CohortId, string Metric, string Period, string PeriodKind, DateOnly PeriodStart, int N,
    double? Avg, double? P50, double? P75, double? P95, double? Min, double? Max, double? Stddev, DateTimeOffset? ComputedAt);
