namespace Impact.Ingest.ImpactIn;

/// <summary>Body of <c>PATCH /v1/impact-in/schedules/{id}</c>: fields left out keep their value.</summary>
public sealed record UpdateScheduleRequest(string? Schedule, string? TimeZone, string? Period, string? OrganizationId, string? ProgramId, bool? Active);
