using Dapper;
using Npgsql;

namespace Impact.Shared.Journeys;

/// <summary>
/// Loads <see cref="UserFacts"/> for a batch of users in one round trip (six result sets of one command).
/// A user's company is their employer, or for a participant (who has none) the company of their latest session.
/// </summary>
public static class JourneyFacts
{
    /// <summary>The facts of every user in <paramref name="userIds"/> that exists, keyed by id.</summary>
    public static async Task<Dictionary<Guid, UserFacts>> LoadAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, IReadOnlyCollection<Guid> userIds,
        CancellationToken ct = default)
    {
        var ids = userIds.Distinct().ToArray();
        var facts = new Dictionary<Guid, UserFacts>(ids.Length);
        if (ids.Length == 0)
        {
            return facts;
        }

        using var grid = await conn.QueryMultipleAsync(new CommandDefinition(
            """
            -- A participant has no employer: their journey belongs to the company of their latest session.
            SELECT u.id,
                   coalesce(u.company_id, (SELECT s.company_id FROM impact.kintell_sessions s
                                           WHERE s.participant_id = u.id AND s.company_id IS NOT NULL
                                           ORDER BY s.completed_at DESC NULLS LAST, s.id LIMIT 1)) AS company_id,
                   u.role
            FROM impact.users u WHERE u.id = ANY(@ids);

            -- Each role on its own index (one OR over both columns costs twice as much).
            SELECT s.participant_id, s.session_type, s.language_level, s.duration_minutes, s.completed_at, 'participant'
            FROM impact.kintell_sessions s WHERE s.participant_id = ANY(@ids)
            UNION ALL
            SELECT s.volunteer_id, s.session_type, s.language_level, s.duration_minutes, s.completed_at, 'volunteer'
            FROM impact.kintell_sessions s WHERE s.volunteer_id = ANY(@ids);

            SELECT s.participant_id, r.rating, r.from_role, s.session_type,
                   CASE WHEN r.from_role = 'participant' THEN 'given' ELSE 'received' END, r.rated_at
            FROM impact.kintell_sessions s JOIN impact.kintell_ratings r ON r.session_external_id = s.external_id
            WHERE s.participant_id = ANY(@ids)
            UNION ALL
            SELECT s.volunteer_id, r.rating, r.from_role, s.session_type,
                   CASE WHEN r.from_role = 'volunteer' THEN 'given' ELSE 'received' END, r.rated_at
            FROM impact.kintell_sessions s JOIN impact.kintell_ratings r ON r.session_external_id = s.external_id
            WHERE s.volunteer_id = ANY(@ids);

            SELECT user_id, dimension, score, language, scored_at FROM impact.outcome_scores WHERE user_id = ANY(@ids);

            SELECT user_id, flag, set_by_rule, set_at, expires_at FROM impact.journey_flags WHERE user_id = ANY(@ids);

            SELECT user_id, milestone FROM impact.journey_milestones WHERE user_id = ANY(@ids);
            """, new { ids }, tx, cancellationToken: ct));

        foreach (var u in await grid.ReadAsync<(Guid Id, Guid? CompanyId, string? Role)>())
        {
            facts[u.Id] = new UserFacts(u.Id, u.CompanyId, u.Role);
        }

        foreach (var s in await grid.ReadAsync<(Guid UserId, string SessionType, string? LanguageLevel, int? Duration, DateTime? CompletedAt, string Role)>())
        {
            if (facts.TryGetValue(s.UserId, out var f))
            {
                f.Sessions.Add(new SessionFact(s.SessionType, s.LanguageLevel, s.Duration, Utc(s.CompletedAt), s.Role));
            }
        }

        foreach (var r in await grid.ReadAsync<(Guid UserId, short Rating, string FromRole, string SessionType, string Direction, DateTime RatedAt)>())
        {
            if (facts.TryGetValue(r.UserId, out var f))
            {
                f.Ratings.Add(new RatingFact(r.Rating, r.FromRole, r.SessionType, r.Direction, Utc(r.RatedAt)!.Value));
            }
        }

        foreach (var s in await grid.ReadAsync<(Guid UserId, string Dimension, double Score, string Language, DateTime ScoredAt)>())
        {
            if (facts.TryGetValue(s.UserId, out var f))
            {
                f.Scores.Add(new ScoreFact(s.Dimension, s.Score, s.Language, Utc(s.ScoredAt)!.Value));
            }
        }

        foreach (var x in await grid.ReadAsync<(Guid UserId, string Flag, string? SetByRule, DateTime SetAt, DateTime? ExpiresAt)>())
        {
            if (facts.TryGetValue(x.UserId, out var f))
            {
                f.Flags[x.Flag] = new FlagFact(x.Flag, x.SetByRule, Utc(x.SetAt)!.Value, Utc(x.ExpiresAt));
            }
        }

        foreach (var m in await grid.ReadAsync<(Guid UserId, string Milestone)>())
        {
            if (facts.TryGetValue(m.UserId, out var f))
            {
                f.Milestones.Add(m.Milestone);
            }
        }

        return facts;
    }

    private static DateTimeOffset? Utc(DateTime? t) => t is { } v ? new DateTimeOffset(DateTime.SpecifyKind(v, DateTimeKind.Utc)) : null;
}
