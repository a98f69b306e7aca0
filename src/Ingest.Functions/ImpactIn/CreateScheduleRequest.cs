namespace Impact.Ingest.ImpactIn;

/// <summary>Body of <c>POST /v1/impact-in/schedules</c>.</summary>
public sealed record CreateScheduleRequest(Guid? CompanyId, string? Platform, string? Schedule, string? TimeZone, string? Period,
    string? OrganizationId, string? ProgramId, bool? Active);
