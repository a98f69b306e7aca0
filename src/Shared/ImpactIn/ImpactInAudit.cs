namespace Impact.Shared.ImpactIn;

/// <summary>The <c>impact.audit_log</c> actions Impact-In writes; the subject is the schedule's or the delivery's id.</summary>
public static class ImpactInAudit
{
    /// <summary>A schedule was created.</summary>
    public const string ScheduleCreated = "impact_in.schedule.create";

    /// <summary>A schedule was changed.</summary>
    public const string ScheduleUpdated = "impact_in.schedule.update";

    /// <summary>A schedule was deleted.</summary>
    public const string ScheduleDeleted = "impact_in.schedule.delete";

    /// <summary>A schedule's last complete period was delivered on request (subject: the schedule).</summary>
    public const string ScheduleRunNow = "impact_in.schedule.run_now";

    /// <summary>A failed delivery was replayed, alone, in a bulk replay or by retry-all-failed (subject: the delivery).</summary>
    public const string DeliveryReplayed = "impact_in.delivery.replay";
}
