using Dapper;
using Impact.Shared.Http;
using Impact.Shared.Security;
using Npgsql;

namespace Impact.Shared.Journeys;

/// <summary>A user's journey as the API shows it: flags held, their history, milestones. Another company's user is a 404.</summary>
public sealed class JourneyUserStore(NpgsqlDataSource db)
{
    /// <summary>The flags the user holds now (expired ones left out).</summary>
    public async Task<IReadOnlyList<JourneyFlagView>> FlagsAsync(Guid userId, Caller caller, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await RequireUserAsync(conn, userId, caller, ct);
        return [.. await conn.QueryAsync<JourneyFlagView>(new CommandDefinition(
            """
            SELECT flag, set_by_rule AS setByRule, set_at AS setAt, expires_at AS expiresAt
            FROM impact.journey_flags
            WHERE user_id = @userId AND (expires_at IS NULL OR expires_at > clock_timestamp())
            ORDER BY flag
            """, new { userId }, cancellationToken: ct))];
    }

    /// <summary>Every change of the user's flags, newest first, at most <paramref name="limit"/>.</summary>
    public async Task<IReadOnlyList<JourneyFlagChangeView>> HistoryAsync(Guid userId, Caller caller, int limit, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await RequireUserAsync(conn, userId, caller, ct);
        return [.. await conn.QueryAsync<JourneyFlagChangeView>(new CommandDefinition(
            """
            SELECT flag, change, rule_id AS rule, cause_event_id AS causeEventId, changed_at AS changedAt
            FROM impact.journey_flag_history
            WHERE user_id = @userId
            ORDER BY id DESC
            LIMIT @limit
            """, new { userId, limit }, cancellationToken: ct))];
    }

    /// <summary>The milestones the user has reached, in order.</summary>
    public async Task<IReadOnlyList<JourneyMilestoneView>> MilestonesAsync(Guid userId, Caller caller, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await RequireUserAsync(conn, userId, caller, ct);
        return [.. await conn.QueryAsync<JourneyMilestoneView>(new CommandDefinition(
            """
            SELECT milestone, rule_id AS rule, reached_at AS reachedAt
            FROM impact.journey_milestones WHERE user_id = @userId ORDER BY reached_at, milestone
            """, new { userId }, cancellationToken: ct))];
    }

    /// <summary>
    /// A 404 unless the user exists and is the caller's company's: its employee, or a participant of one of its
    /// sessions (an operator sees every company).
    /// </summary>
    public async Task RequireUserAsync(Guid userId, Caller caller, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await RequireUserAsync(conn, userId, caller, ct);
    }

    private static async Task RequireUserAsync(NpgsqlConnection conn, Guid userId, Caller caller, CancellationToken ct)
    {
        var found = await conn.ExecuteScalarAsync<bool>(new CommandDefinition(
            """
            SELECT EXISTS (SELECT 1 FROM impact.users u WHERE u.id = @userId
                           AND (@scope::uuid IS NULL OR u.company_id = @scope
                                OR EXISTS (SELECT 1 FROM impact.kintell_sessions s
                                           WHERE s.company_id = @scope AND (s.participant_id = u.id OR s.volunteer_id = u.id))))
            """,
            new { userId, scope = caller.ScopeCompany() }, cancellationToken: ct));
        if (!found)
        {
            throw ProblemException.NotFound($"There is no user with id {userId}.");
        }
    }
}
