namespace Impact.Shared.ImpactIn;

/// <summary>What a delivery reports on: enough to rebuild its payload.</summary>
/// <param name="Platform">The partner platform.</param>
/// <param name="CompanyId">Our company id.</param>
/// <param name="OrganizationId">The partner's id for the company (our id when not set).</param>
/// <param name="ProgramId">The partner's programme/project id (a default when not set).</param>
/// <param name="Period">The reporting period.</param>
/// <param name="ScheduledFor">The run the delivery belongs to; it is the payload's timestamp, so the payload of a period never changes.</param>
public sealed record DeliverySubject(string Platform, Guid CompanyId, string? OrganizationId, string? ProgramId,
    ReportingPeriod Period, DateTimeOffset ScheduledFor);
