namespace Impact.Shared.ImpactIn;

/// <summary>Fields of a new schedule.</summary>
/// <param name="CompanyId">The company.</param>
/// <param name="Platform">benevity, goodera or workday.</param>
/// <param name="Spec">The validated schedule.</param>
/// <param name="OrganizationId">The partner's id for the company.</param>
/// <param name="ProgramId">The partner's programme id.</param>
/// <param name="Active">Whether the scheduler runs it.</param>
public sealed record NewSchedule(Guid CompanyId, string Platform, ScheduleSpec Spec, string? OrganizationId, string? ProgramId, bool Active);
