namespace Impact.Shared.Events;

/// <summary>Event type names, kept from the old contract.</summary>
public static class EventTypes
{
    /// <summary>A Kintell session was completed.</summary>
    public const string SessionCompleted = "kintell.session.completed";
    /// <summary>A Kintell session was booked.</summary>
    public const string SessionScheduled = "kintell.session.scheduled";
    /// <summary>A rating was left for a session.</summary>
    public const string RatingCreated = "kintell.rating.created";
    /// <summary>A DSAR export finished.</summary>
    public const string PrivacyExportCompleted = "privacy.export.completed";
    /// <summary>A person was erased.</summary>
    public const string PrivacyUserDeleted = "privacy.user.deleted";
    /// <summary>An Impact-In delivery succeeded.</summary>
    public const string ImpactDeliverySucceeded = "impact.delivery.succeeded";
    /// <summary>An Impact-In delivery failed for good.</summary>
    public const string ImpactDeliveryFailed = "impact.delivery.failed";
    /// <summary>A backfill made progress.</summary>
    public const string BackfillProgress = "backfill.progress";
    /// <summary>A backfill finished.</summary>
    public const string BackfillCompleted = "backfill.completed";
    /// <summary>A text's outcome scores were stored (company-scoped; reaches the cockpit stream).</summary>
    public const string Q2QOutcomeScored = "q2q.outcome.scored";
    /// <summary>Safety screening sent a text to the review queue (MEDIUM or HIGH).</summary>
    public const string SafetyFlagRaised = "safety.flag.raised";
    /// <summary>A reviewer decided a review item (approve, reject, escalate).</summary>
    public const string SafetyReviewCompleted = "safety.review.completed";
    /// <summary>A drift check of a company and language crossed the PSI alert threshold (once per alert episode).</summary>
    public const string Q2QDriftAlert = "q2q.drift.alert";
    /// <summary>A journey rule set or cleared a flag of a user.</summary>
    public const string JourneyFlagUpdated = "journey.flag.updated";
    /// <summary>A user reached a journey milestone (once).</summary>
    public const string JourneyMilestoneReached = "journey.milestone.reached";
}
