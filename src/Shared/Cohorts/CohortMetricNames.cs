using Impact.Shared.Feedback;

namespace Impact.Shared.Cohorts;

/// <summary>The metrics a cohort is measured by: ratings (1–5), session hours, and each outcome dimension (0–1).</summary>
public static class CohortMetricNames
{
    /// <summary>Ratings (1–5) the cohort's members gave their sessions.</summary>
    public const string Rating = "rating";

    /// <summary>Hours of each completed session a member took part in (a session counts once).</summary>
    public const string SessionHours = "session_hours";

    /// <summary>All metrics: rating, session_hours, then the outcome dimensions in their fixed order.</summary>
    public static readonly IReadOnlyList<string> All = [Rating, SessionHours, .. OutcomeDimensions.All];
}
