namespace Impact.Shared.Cohorts;

/// <summary>A cohort's metric over its last periods, oldest first; each point with the change of the mean from the period before.</summary>
/// <param name="CohortId">The cohort.</param>
/// <param name="Metric">The metric.</param>
/// <param name="PeriodKind"><c>month</c> or <c>quarter</c>.</param>
/// <param name="Items">One point per period, the current one last (a period without data has <c>n = 0</c>).</param>
public sealed record CohortTrend(Guid CohortId, string Metric, string PeriodKind, IReadOnlyList<CohortTrendPoint> Items);

/// <summary>One period of a trend.</summary>
/// <param name="Values">The period's numbers.</param>
/// <param name="AvgChange">The mean minus the previous period's mean (null when either has no data).</param>
public sealed record CohortTrendPoint(CohortMetricValues Values, double? AvgChange);
