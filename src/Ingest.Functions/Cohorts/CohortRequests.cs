using Impact.Shared.Cohorts;

namespace Impact.Ingest.Cohorts;

/// <summary>
/// Body of <c>POST /v1/cohorts</c>. <c>companyId</c> may be left out by a company administrator (it is the token's
/// company; another company is a 404) and is required from an operator. Filters left out mean "any".
/// </summary>
public sealed record CreateCohortRequest(Guid? CompanyId, string? Name, CohortFilters? Filters);

/// <summary>Body of <c>PATCH /v1/cohorts/{id}</c>: a new name, new filters (replacing all of them), or both.</summary>
public sealed record UpdateCohortRequest(string? Name, CohortFilters? Filters);

/// <summary>Body of <c>POST /v1/cohorts/compare</c>: up to 10 cohorts, one metric, one period (<c>2026-03</c> or <c>2026-Q1</c>).</summary>
public sealed record CompareCohortsRequest(IReadOnlyList<Guid>? CohortIds, string? Metric, string? Period);

/// <summary>The answer of <c>GET /v1/cohorts</c>.</summary>
public sealed record CohortList(IReadOnlyList<CohortView> Items);

/// <summary>The answer of <c>GET /v1/cohorts/{id}/metrics</c>: one item per period of the range, oldest first.</summary>
public sealed record CohortMetricsList(Guid CohortId, string Metric, string PeriodKind, IReadOnlyList<CohortMetricValues> Items);
