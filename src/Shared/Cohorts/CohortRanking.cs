namespace Impact.Shared.Cohorts;

/// <summary>Cohorts side by side for one metric and period (compare: in the order asked; top: highest mean first).</summary>
/// <param name="Metric">The metric.</param>
/// <param name="Period">The period's name (null for a top list when no cohort has data yet).</param>
/// <param name="PeriodKind"><c>month</c> or <c>quarter</c>.</param>
/// <param name="Items">One entry per cohort.</param>
public sealed record CohortRanking(string Metric, string? Period, string PeriodKind, IReadOnlyList<CohortRankingItem> Items);

/// <summary>One cohort in a comparison or a top list.</summary>
/// <param name="CohortId">The cohort.</param>
/// <param name="Name">Its name.</param>
/// <param name="Values">Its numbers for the period.</param>
public sealed record CohortRankingItem(Guid CohortId, string Name, CohortMetricValues Values);
