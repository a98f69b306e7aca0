namespace Impact.Shared.Privacy;

/// <summary>One data set of an export: its file name (without extension) and the query that reads it.</summary>
internal sealed record ExportDataSet(string Name, string Sql);

/// <summary>
/// The queries of a DSAR export, one per data set, in the order they are written. @userId/@userIdText/@email name
/// the subject; everything about someone else that shows up inside the subject's rows is replaced by @redacted
/// (see <see cref="PrivacyMap"/>). <see cref="Parameters"/> gives the values.
/// </summary>
internal static class ExportDataSets
{
    public static readonly ExportDataSet[] All =
    [
        new("profile", """
            SELECT id, email, display_name, role, company_id, created_at, updated_at
            FROM impact.users WHERE id = @userId
            """),
        new("sessions", """
            SELECT id, external_id, session_type,
                   CASE WHEN participant_id = @userId THEN 'participant' ELSE 'volunteer' END AS your_role,
                   CASE WHEN participant_id = @userId AND volunteer_id IS NOT NULL THEN @redacted
                        WHEN volunteer_id = @userId AND participant_id IS NOT NULL THEN @redacted END AS other_party,
                   company_id, scheduled_at, completed_at, duration_minutes, topics, language_level, source, created_at
            FROM impact.kintell_sessions
            WHERE participant_id = @userId OR volunteer_id = @userId
            ORDER BY scheduled_at, id
            """),
        new("ratings", """
            SELECT id, external_id, session_external_id, from_role, rating, rating_normalized, feedback_text, rated_at, created_at
            FROM impact.kintell_ratings
            WHERE rater_id = @userId
            ORDER BY rated_at, id
            """),
        new("bookings", """
            SELECT id, external_id, session_type,
                   CASE WHEN participant_id = @userId THEN 'participant' ELSE 'volunteer' END AS your_role,
                   CASE WHEN participant_id = @userId AND volunteer_id IS NOT NULL THEN @redacted
                        WHEN volunteer_id = @userId AND participant_id IS NOT NULL THEN @redacted END AS other_party,
                   company_id, scheduled_at, created_at
            FROM impact.kintell_bookings
            WHERE participant_id = @userId OR volunteer_id = @userId
            ORDER BY scheduled_at, id
            """),
        new("webhook_deliveries", """
            SELECT d.id, d.source, d.delivery_id, d.event_type, d.status, d.received_at,
                   (SELECT jsonb_object_agg(p.k, CASE
                               WHEN p.k = ANY(@emailKeys) AND jsonb_typeof(p.v) = 'string' AND lower(p.v #>> '{}') <> @email
                               THEN to_jsonb(@redacted::text) ELSE p.v END)
                    FROM jsonb_each(d.payload) AS p(k, v)) AS payload
            FROM impact.webhook_deliveries d
            WHERE lower(d.payload ->> 'participant_email') = @email
               OR lower(d.payload ->> 'volunteer_email') = @email
               OR d.payload ->> 'rating_id' IN (SELECT external_id FROM impact.kintell_ratings WHERE rater_id = @userId)
            ORDER BY d.id
            """),
        new("events", """
            SELECT e.event_id, e.type, e.company_id, e.correlation_id, e.occurred_at,
                   (SELECT jsonb_object_agg(p.k, CASE
                               WHEN p.k = ANY(@idKeys) AND jsonb_typeof(p.v) = 'string' AND p.v #>> '{}' <> @userIdText
                               THEN to_jsonb(@redacted::text) ELSE p.v END)
                    FROM jsonb_each(e.data) AS p(k, v)) AS data
            FROM impact.events e
            WHERE e.data @> jsonb_build_object('participantId', @userIdText)
               OR e.data @> jsonb_build_object('volunteerId', @userIdText)
               OR e.data @> jsonb_build_object('userId', @userIdText)
               OR e.data @> jsonb_build_object('raterId', @userIdText)
            ORDER BY e.id
            """),
        new("texts", """
            SELECT t.id, t.source, t.content_id, t.content_type, t.text, t.language, t.status, t.received_at,
                   (SELECT jsonb_object_agg(o.dimension, o.score) FROM impact.outcome_scores o WHERE o.text_id = t.id) AS outcome_scores,
                   (SELECT jsonb_agg(jsonb_build_object('category', f.category, 'score', f.score, 'risk', f.risk, 'reasons', f.reasons) ORDER BY f.score DESC)
                    FROM impact.safety_flags f WHERE f.text_id = t.id) AS safety_flags,
                   (SELECT jsonb_build_object('status', q.status, 'risk', q.risk, 'notes', q.notes, 'decided_at', q.decided_at)
                    FROM impact.safety_review_queue q WHERE q.text_id = t.id) AS review
            FROM impact.texts t
            WHERE t.user_id = @userId
            ORDER BY t.received_at, t.id
            """),
        new("journey_flags", """
            SELECT flag, set_by_rule, set_at, expires_at FROM impact.journey_flags WHERE user_id = @userId ORDER BY flag
            """),
        new("journey_flag_history", """
            SELECT flag, change, rule_id, changed_at FROM impact.journey_flag_history WHERE user_id = @userId ORDER BY id
            """),
        new("journey_milestones", """
            SELECT milestone, rule_id, reached_at FROM impact.journey_milestones WHERE user_id = @userId ORDER BY reached_at, milestone
            """),
        new("cohort_memberships", """
            SELECT c.id AS cohort_id, c.name, m.joined_at
            FROM impact.cohort_members m JOIN impact.cohorts c ON c.id = m.cohort_id
            WHERE m.user_id = @userId
            ORDER BY m.joined_at, c.id
            """),
        new("privacy_requests", """
            SELECT id, type, status, progress, requested_at, due_at, completed_at
            FROM impact.privacy_requests
            WHERE user_id = @userId
            ORDER BY requested_at, id
            """),
    ];

    /// <summary>The parameters every query of <see cref="All"/> takes, for the person <paramref name="userId"/>.</summary>
    public static object Parameters(Guid userId, string email) => new
    {
        userId,
        userIdText = userId.ToString(),
        email,
        redacted = PrivacyMap.RedactedMarker,
        emailKeys = PrivacyMap.PayloadEmailKeys.ToArray(),
        idKeys = PrivacyMap.EventUserIdKeys.ToArray(),
    };
}
