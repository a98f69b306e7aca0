using System.Text.Json;
using Dapper;
using Impact.Shared.Events;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Impact.Shared.Journeys;

/// <summary>
/// Runs the journey rules. <see cref="RunAsync"/> follows <c>impact.events</c> in commit-safe order
/// (tx_id, id; only finished transactions, as the relay and the SSE feed read it) from the
/// <c>journeys</c> cursor, re-evaluates only the users the new events touch, and advances the cursor in the
/// same transaction as the flags, history, milestones and events it writes — so an event is applied
/// exactly once, and evaluating the same state twice changes nothing (writes are conditional on a change).
/// </summary>
public sealed class JourneyEvaluator(NpgsqlDataSource db, JourneyRuleStore rules, TimeProvider time, IOptions<JourneyOptions> options)
{
    /// <summary>The cursor's name in <c>impact.event_cursors</c>.</summary>
    public const string CursorName = "journeys";

    private static readonly string[] UserKeys = ["participantId", "volunteerId", "raterId", "userId"];

    /// <summary>One pass over new events; returns how many events were read (0 when caught up).</summary>
    public async Task<EvaluationPass> RunAsync(CancellationToken ct = default)
    {
        await rules.EnsureDefaultsAsync(ct);
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(
            "INSERT INTO impact.event_cursors (name) VALUES (@name) ON CONFLICT DO NOTHING", new { name = CursorName }, tx, cancellationToken: ct));
        var cursor = await conn.QuerySingleAsync<(string LastTx, long LastId)>(new CommandDefinition(
            "SELECT last_tx_id::text, last_event_id FROM impact.event_cursors WHERE name = @name FOR UPDATE", new { name = CursorName }, tx, cancellationToken: ct));
        var events = (await conn.QueryAsync<EventRow>(new CommandDefinition(
            """
            SELECT id, tx_id::text AS tx_id, event_id, type, company_id, data::text AS data
            FROM impact.events
            WHERE (tx_id, id) > (@lastTx::xid8, @lastId) AND tx_id < pg_snapshot_xmin(pg_current_snapshot())
            ORDER BY tx_id, id
            LIMIT @limit
            """, new { lastTx = cursor.LastTx, lastId = cursor.LastId, limit = options.Value.EventBatchSize }, tx, cancellationToken: ct))).ToList();
        if (events.Count == 0)
        {
            await tx.CommitAsync(ct);
            return new EvaluationPass(0, 0, 0);
        }

        var touched = await TouchedUsersAsync(conn, tx, events, ct);
        var changes = await EvaluateAsync(conn, tx, touched, ct);
        var last = events[^1];
        await conn.ExecuteAsync(new CommandDefinition(
            "UPDATE impact.event_cursors SET last_tx_id = @tx::xid8, last_event_id = @id, updated_at = clock_timestamp() WHERE name = @name",
            new { tx = last.tx_id, id = last.id, name = CursorName }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return new EvaluationPass(events.Count, touched.Count, changes);
    }

    /// <summary>Runs passes until the cursor has caught up with every finished transaction.</summary>
    public async Task<EvaluationPass> RunToEndAsync(CancellationToken ct = default)
    {
        var total = new EvaluationPass(0, 0, 0);
        while (true)
        {
            var pass = await RunAsync(ct);
            total = new EvaluationPass(total.Events + pass.Events, total.Users + pass.Users, total.Changes + pass.Changes);
            if (pass.Events == 0)
            {
                return total;
            }
        }
    }

    /// <summary>
    /// Evaluates every user of <paramref name="companyId"/> (every user when null) now, in batches of its own
    /// transaction: for conditions that change with time alone (<c>time_since</c>, expiring flags). Returns the changes made.
    /// </summary>
    public async Task<int> EvaluateAllAsync(Guid? companyId, CancellationToken ct = default)
    {
        await rules.EnsureDefaultsAsync(ct);
        var changes = 0;
        var after = Guid.Empty;
        while (true)
        {
            await using var conn = await db.OpenConnectionAsync(ct);
            var ids = (await conn.QueryAsync<Guid>(new CommandDefinition(
                """
                SELECT u.id FROM impact.users u
                WHERE u.id > @after
                  AND (@companyId::uuid IS NULL OR u.company_id = @companyId
                       OR EXISTS (SELECT 1 FROM impact.kintell_sessions s WHERE s.company_id = @companyId AND s.participant_id = u.id))
                ORDER BY u.id LIMIT @limit
                """, new { after, companyId, limit = options.Value.UserBatchSize }, cancellationToken: ct))).ToList();
            if (ids.Count == 0)
            {
                return changes;
            }

            await using var tx = await conn.BeginTransactionAsync(ct);
            changes += await EvaluateAsync(conn, tx, ids.ToDictionary(id => id, _ => (Guid?)null), ct);
            await tx.CommitAsync(ct);
            after = ids[^1];
        }
    }

    /// <summary>Evaluates one user now (the on-demand <c>POST …/evaluate</c>); returns the changes made.</summary>
    public async Task<int> EvaluateUserAsync(Guid userId, CancellationToken ct = default)
    {
        await rules.EnsureDefaultsAsync(ct);
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var changes = await EvaluateAsync(conn, tx, new Dictionary<Guid, Guid?> { [userId] = null }, ct);
        await tx.CommitAsync(ct);
        return changes;
    }

    // userId → the event that made us look at the user (for the flag history), or null.
    private async Task<int> EvaluateAsync(NpgsqlConnection conn, NpgsqlTransaction tx, IReadOnlyDictionary<Guid, Guid?> users, CancellationToken ct)
    {
        var changes = 0;
        var now = time.GetUtcNow();
        foreach (var batch in users.Keys.Order().Chunk(options.Value.UserBatchSize))
        {
            var facts = await JourneyFacts.LoadAsync(conn, tx, batch, ct);
            var companies = facts.Values.Where(f => f.CompanyId is not null).Select(f => f.CompanyId!.Value).Distinct().ToList();
            var ruleSets = await rules.EffectiveAsync(conn, tx, companies, ct);
            var platformRules = JourneyRuleStore.Defaults;
            var decisions = facts.Values
                .Select(f => (Facts: f, Decision: RuleInterpreter.Decide(
                    f.CompanyId is { } c && ruleSets.TryGetValue(c, out var set) ? set : platformRules, f, now)))
                .Where(d => !d.Decision.IsEmpty)
                .ToList();
            if (decisions.Count > 0)
            {
                changes += await WriteAsync(conn, tx, decisions, users, now, ct);
            }
        }

        return changes;
    }

    private static async Task<int> WriteAsync(NpgsqlConnection conn, NpgsqlTransaction tx, List<(UserFacts Facts, JourneyDecision Decision)> decisions,
        IReadOnlyDictionary<Guid, Guid?> causes, DateTimeOffset now, CancellationToken ct)
    {
        var company = decisions.ToDictionary(d => d.Facts.UserId, d => d.Facts.CompanyId);
        var sets = decisions.SelectMany(d => d.Decision.Set.Select(s => (d.Facts.UserId, s))).ToList();
        var clears = decisions.SelectMany(d => d.Decision.Cleared.Select(s => (d.Facts.UserId, s))).ToList();
        var reached = decisions.SelectMany(d => d.Decision.Milestones.Select(m => (d.Facts.UserId, m))).ToList();
        var at = now.UtcDateTime;

        // Each write returns only the rows it really changed, so a concurrent evaluation of the same user
        // (the timer and an on-demand call) cannot announce the same change twice.
        var setRows = sets.Count == 0 ? [] : (await conn.QueryAsync<(Guid UserId, string Flag, string? Rule)>(new CommandDefinition(
            """
            INSERT INTO impact.journey_flags AS f (user_id, flag, company_id, set_by_rule, set_at, expires_at)
            SELECT u, fl, c, r, @at, e FROM unnest(@users, @flags, @companies, @rules, @expires) AS x(u, fl, c, r, e)
            ON CONFLICT (user_id, flag) DO UPDATE
            SET set_by_rule = EXCLUDED.set_by_rule, set_at = EXCLUDED.set_at, expires_at = EXCLUDED.expires_at
            WHERE f.set_by_rule IS DISTINCT FROM EXCLUDED.set_by_rule OR (f.expires_at IS NOT NULL AND f.expires_at <= EXCLUDED.set_at)
            RETURNING user_id, flag, set_by_rule
            """, new
            {
                at,
                users = sets.Select(s => s.UserId).ToArray(),
                flags = sets.Select(s => s.s.Flag).ToArray(),
                companies = sets.Select(s => company[s.UserId]).ToArray(),
                rules = sets.Select(s => s.s.Rule).ToArray(),
                expires = sets.Select(s => s.s.ExpiresAt?.UtcDateTime).ToArray(),
            }, tx, cancellationToken: ct))).ToList();
        var clearRows = clears.Count == 0 ? [] : (await conn.QueryAsync<(Guid UserId, string Flag, string? Rule)>(new CommandDefinition(
            """
            DELETE FROM impact.journey_flags f USING unnest(@users, @flags) AS x(u, fl)
            WHERE f.user_id = x.u AND f.flag = x.fl
            RETURNING f.user_id, f.flag, f.set_by_rule
            """, new { users = clears.Select(s => s.UserId).ToArray(), flags = clears.Select(s => s.s.Flag).ToArray() },
            tx, cancellationToken: ct))).ToList();
        var milestoneRows = reached.Count == 0 ? [] : (await conn.QueryAsync<(Guid UserId, string Milestone, string Rule)>(new CommandDefinition(
            """
            INSERT INTO impact.journey_milestones (user_id, milestone, company_id, rule_id, reached_at)
            SELECT u, m, c, r, @at FROM unnest(@users, @milestones, @companies, @rules) AS x(u, m, c, r)
            ON CONFLICT DO NOTHING
            RETURNING user_id, milestone, rule_id
            """, new
            {
                at,
                users = reached.Select(s => s.UserId).ToArray(),
                milestones = reached.Select(s => s.m.Milestone).ToArray(),
                companies = reached.Select(s => company[s.UserId]).ToArray(),
                rules = reached.Select(s => s.m.Rule).ToArray(),
            }, tx, cancellationToken: ct))).ToList();

        var flagChanges = setRows.Select(r => (r.UserId, r.Flag, r.Rule, Change: "set"))
            .Concat(clearRows.Select(r => (r.UserId, r.Flag, r.Rule, Change: "cleared"))).ToList();
        if (flagChanges.Count > 0)
        {
            await conn.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO impact.journey_flag_history (user_id, company_id, flag, change, value, rule_id, cause_event_id, changed_at)
                SELECT u, c, fl, ch, CASE WHEN ch = 'set' THEN 'true'::jsonb ELSE 'false'::jsonb END, r, ev, @at
                FROM unnest(@users, @companies, @flags, @changes, @rules, @causes) AS x(u, c, fl, ch, r, ev)
                """, new
                {
                    at,
                    users = flagChanges.Select(f => f.UserId).ToArray(),
                    companies = flagChanges.Select(f => company[f.UserId]).ToArray(),
                    flags = flagChanges.Select(f => f.Flag).ToArray(),
                    changes = flagChanges.Select(f => f.Change).ToArray(),
                    rules = flagChanges.Select(f => f.Rule).ToArray(),
                    causes = flagChanges.Select(f => causes.TryGetValue(f.UserId, out var e) ? e : null).ToArray(),
                }, tx, cancellationToken: ct));
        }

        var events = flagChanges
            .Select(f => (company[f.UserId], EventTypes.JourneyFlagUpdated,
                (object)new { userId = f.UserId, flag = f.Flag, value = f.Change == "set", change = f.Change, rule = f.Rule, at = now }))
            .Concat(milestoneRows.Select(m => (company[m.UserId], EventTypes.JourneyMilestoneReached,
                (object)new { userId = m.UserId, milestone = m.Milestone, rule = m.Rule, at = now })))
            .ToList();
        await EventLog.AppendManyAsync(conn, tx, events, ct);

        return flagChanges.Count + milestoneRows.Count;
    }

    private static async Task<Dictionary<Guid, Guid?>> TouchedUsersAsync(NpgsqlConnection conn, NpgsqlTransaction tx, List<EventRow> events, CancellationToken ct)
    {
        var touched = new Dictionary<Guid, Guid?>();
        var sessionIds = new List<(string ExternalId, Guid EventId)>();
        var companies = new List<(Guid? Company, Guid EventId)>();
        foreach (var e in events)
        {
            // Our own output, and privacy events (the person may be gone), never re-trigger evaluation.
            if (e.type.StartsWith("journey.", StringComparison.Ordinal) || e.type.StartsWith("privacy.", StringComparison.Ordinal))
            {
                continue;
            }

            using var doc = JsonDocument.Parse(e.data);
            var data = doc.RootElement;
            if (data.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            foreach (var key in UserKeys)
            {
                if (data.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String && Guid.TryParse(v.GetString(), out var id))
                {
                    touched[id] = e.event_id;
                }
            }

            // A rating changes the mean of both people of its session, not only the rater's.
            if (e.type == EventTypes.RatingCreated && data.TryGetProperty("sessionExternalId", out var s) && s.ValueKind == JsonValueKind.String)
            {
                sessionIds.Add((s.GetString()!, e.event_id));
            }

            // A backfill writes rows without an event each: look at everyone of its company once it completes.
            if (e.type == EventTypes.BackfillCompleted)
            {
                companies.Add((e.company_id ?? await BackfillCompanyAsync(conn, tx, data, ct), e.event_id));
            }
        }

        if (sessionIds.Count > 0)
        {
            var parties = await conn.QueryAsync<(string ExternalId, Guid? Participant, Guid? Volunteer)>(new CommandDefinition(
                "SELECT external_id, participant_id, volunteer_id FROM impact.kintell_sessions WHERE external_id = ANY(@ids)",
                new { ids = sessionIds.Select(s => s.ExternalId).Distinct().ToArray() }, tx, cancellationToken: ct));
            var cause = sessionIds.GroupBy(s => s.ExternalId).ToDictionary(g => g.Key, g => g.Last().EventId);
            foreach (var p in parties)
            {
                foreach (var id in new[] { p.Participant, p.Volunteer })
                {
                    if (id is { } u)
                    {
                        touched[u] = cause[p.ExternalId];
                    }
                }
            }
        }

        foreach (var (company, eventId) in companies)
        {
            foreach (var id in await conn.QueryAsync<Guid>(new CommandDefinition(
                         """
                         SELECT u.id FROM impact.users u
                         WHERE @company::uuid IS NULL OR u.company_id = @company
                            OR EXISTS (SELECT 1 FROM impact.kintell_sessions s WHERE s.company_id = @company AND s.participant_id = u.id)
                         """,
                         new { company }, tx, cancellationToken: ct)))
            {
                touched[id] = eventId;
            }
        }

        return touched;
    }

    private static async Task<Guid?> BackfillCompanyAsync(NpgsqlConnection conn, NpgsqlTransaction tx, JsonElement data, CancellationToken ct) =>
        data.TryGetProperty("jobId", out var j) && j.ValueKind == JsonValueKind.String && Guid.TryParse(j.GetString(), out var jobId)
            ? await conn.ExecuteScalarAsync<Guid?>(new CommandDefinition(
                "SELECT company_id FROM impact.backfill_jobs WHERE id = @jobId", new { jobId }, tx, cancellationToken: ct))
            : null;

    private sealed record EventRow(long id, string tx_id, Guid event_id, string type, Guid? company_id, string data);
}
