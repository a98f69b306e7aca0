namespace Impact.Shared.ImpactIn;

/// <summary>A row of <c>impact.scheduled_deliveries</c>, as the API returns it.</summary>
/// <param name="Id">Schedule id.</param>
/// <param name="CompanyId">The company reported on.</param>
/// <param name="Platform">The partner platform.</param>
/// <param name="Schedule">'monthly', 'quarterly' or the cron expression given.</param>
/// <param name="CronExpression">The cron expression in force.</param>
/// <param name="Period">'month' or 'quarter'.</param>
/// <param name="TimeZone">IANA time zone.</param>
/// <param name="OrganizationId">The partner's id for the company.</param>
/// <param name="ProgramId">The partner's programme id.</param>
/// <param name="NextRun">When it runs next (UTC).</param>
/// <param name="LastRun">When it last ran (UTC).</param>
/// <param name="LastStatus">Status of the last delivery.</param>
/// <param name="LastError">Error of the last delivery.</param>
/// <param name="Active">Whether the scheduler runs it.</param>
/// <param name="CreatedAt">Created.</param>
/// <param name="UpdatedAt">Last changed.</param>
public sealed record DeliverySchedule(Guid Id, Guid CompanyId, string Platform, string Schedule, string CronExpression, string Period, string TimeZone,
    string? OrganizationId, string? ProgramId, DateTime NextRun, DateTime? LastRun, string? LastStatus, string? LastError, bool Active,
    DateTime CreatedAt, DateTime UpdatedAt)
{
    /// <summary>The period kind.</summary>
    public PeriodKind PeriodKind => PeriodNames.OfStored(Period);

    /// <summary>The subject of the run due at <see cref="NextRun"/>.</summary>
    public DeliverySubject NextSubject() => SubjectFor(new DateTimeOffset(NextRun, TimeSpan.Zero));

    /// <summary>The subject of a run at <paramref name="runAt"/>: the complete period before it, locally.</summary>
    public DeliverySubject SubjectFor(DateTimeOffset runAt) =>
        new(Platform, CompanyId, OrganizationId, ProgramId, ReportingPeriod.Previous(runAt, ScheduleSpec.FindZone(TimeZone)!, PeriodKind), runAt);

    /// <summary>
    /// The idempotency key (and first orchestration instance id) of the delivery for a period: of the company and platform,
    /// not of this schedule, so a re-created schedule has the same key for the same period.
    /// </summary>
    public string DeliveryKey(ReportingPeriod period) => DeliveryKeys.For(CompanyId, Platform, period);
}
