namespace Impact.Shared.ImpactIn;

/// <summary>A row of <c>impact.impact_deliveries</c>, as the API returns it.</summary>
/// <param name="Id">Delivery id.</param>
/// <param name="ScheduleId">The schedule (null once deleted).</param>
/// <param name="CompanyId">The company reported on.</param>
/// <param name="Platform">The partner platform.</param>
/// <param name="Period">'month' or 'quarter'.</param>
/// <param name="PeriodStart">First day (yyyy-MM-dd, local to the time zone).</param>
/// <param name="PeriodEnd">Last day, inclusive.</param>
/// <param name="TimeZone">IANA time zone of the period.</param>
/// <param name="ScheduledFor">The run it belongs to (UTC).</param>
/// <param name="InstanceId">Current orchestration instance.</param>
/// <param name="IdempotencyKey">Sent on every attempt.</param>
/// <param name="Status">pending, delivering, succeeded or failed.</param>
/// <param name="AttemptCount">Attempts so far, replays included.</param>
/// <param name="ReplayCount">Times replayed.</param>
/// <param name="LastError">The last error.</param>
/// <param name="CreatedAt">Created.</param>
/// <param name="UpdatedAt">Last changed.</param>
/// <param name="CompletedAt">When it last succeeded or failed for good.</param>
public sealed record Delivery(Guid Id, Guid? ScheduleId, Guid CompanyId, string Platform, string Period, string PeriodStart, string PeriodEnd,
    string TimeZone, DateTime ScheduledFor, string InstanceId, string IdempotencyKey, string Status, int AttemptCount, int ReplayCount,
    string? LastError, DateTime CreatedAt, DateTime UpdatedAt, DateTime? CompletedAt);
