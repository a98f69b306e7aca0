namespace Impact.Shared.Cohorts;

/// <summary>A validated cohort to create or the validated new state of one: name and filters (see <see cref="CohortFilters"/>).</summary>
public sealed record NewCohort(string Name, CohortFilters Filters, DateOnly? FirstSessionFrom, DateOnly? FirstSessionTo);
