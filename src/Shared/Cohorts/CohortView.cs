namespace Impact.Shared.Cohorts;

/// <summary>A cohort as the API shows it.</summary>
/// <param name="Id">The cohort's id.</param>
/// <param name="CompanyId">The company it belongs to.</param>
/// <param name="Name">Its name.</param>
/// <param name="Filters">Who belongs to it.</param>
/// <param name="Members">How many people belong to it now (as of the last refresh).</param>
/// <param name="Rebuilding">True while a new or changed cohort waits for the refresher to rebuild its members and metrics.</param>
/// <param name="MetricsRefreshedAt">When its metrics were last recomputed (null: never yet).</param>
/// <param name="CreatedAt">When it was created.</param>
/// <param name="UpdatedAt">When it was last changed.</param>
public sealed record CohortView(Guid Id, Guid CompanyId, string Name, CohortFilters Filters, int Members, bool Rebuilding,
    DateTimeOffset? MetricsRefreshedAt, DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt);
