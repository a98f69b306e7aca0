namespace Impact.Ingest.ImpactIn;

/// <summary>
/// Body of <c>POST /v1/impact-in/schedules</c>. <c>companyId</c> may be left out by a company administrator
/// (it is the token's company; another company is a 404) and is required from an operator.
/// </summary>
public sealed record CreateScheduleRequest(Guid? CompanyId, string? Platform, string? Schedule, string? TimeZone, string? Period,
    string? OrganizationId, string? ProgramId, bool? Active);
