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

    /// <summary>
    /// One pass over new events: every finished event after the cursor, up to <see cref="JourneyOptions.EventBatchSize"/>, in one
    /// transaction. The users the events touch are found in SQL (only their ids cross the wire) and each is evaluated once however
    /// many of the events name them. Returns how many events were read (0 when caught up).
    /// </summary>
    public async Task<EvaluationPass> RunAsync(CancellationToken ct = default)
    {
        await rules.EnsureDefaultsAsync(ct);
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var cursor = await conn.QuerySingleAsync<(string LastTx, long LastId)>(new CommandDefinition(
            """
            INSERT INTO impact.event_cursors (name) VALUES (@name) ON CONFLICT DO NOTHING;
            SELECT last_tx_id::text, last_event_id FROM impact.event_cursors WHERE name = @name FOR UPDATE;
            """, new { name = CursorName }, tx, cancellationToken: ct));
        var rows = (await conn.QueryAsync<TouchRow>(new CommandDefinition(
            """
            WITH w AS MATERIALIZED (
                SELECT row_number() OVER (ORDER BY tx_id, id) AS ord, id, tx_id, event_id, type, company_id,
                       -- Our own output, and privacy events (the person may be gone), never re-trigger evaluation.
                       type NOT LIKE 'journey.%' AND type NOT LIKE 'privacy.%' AND jsonb_typeof(data) = 'object' AS input,
                       data ->> 'participantId' AS participant, data ->> 'volunteerId' AS volunteer, data ->> 'raterId' AS rater,
                       data ->> 'userId' AS user_id, data ->> 'sessionExternalId' AS session, data ->> 'jobId' AS job
                FROM (SELECT * FROM impact.events
                      WHERE (tx_id, id) > (@lastTx::xid8, @lastId) AND tx_id < pg_snapshot_xmin(pg_current_snapshot())
                      ORDER BY tx_id, id
                      LIMIT @limit) e
            ),
            touch AS (
                SELECT w.ord, k.v AS user_id
                FROM w CROSS JOIN LATERAL (VALUES (w.participant), (w.volunteer), (w.rater), (w.user_id)) AS k(v)
                WHERE w.input AND k.v IS NOT NULL
                UNION ALL
                -- A rating changes the mean of both people of its session, not only the rater's.
                SELECT w.ord, p.user_id::text
                FROM w
                JOIN impact.kintell_sessions s ON s.external_id = w.session
                CROSS JOIN LATERAL (VALUES (s.participant_id), (s.volunteer_id)) AS p(user_id)
                WHERE w.input AND w.type = 'kintell.rating.created' AND p.user_id IS NOT NULL
            )
            -- Each value that may name a user once (parsed as a Guid here), with the last event that named it: the cause
            -- in the flag history.
            SELECT 'user' AS kind, t.user_id AS value, t.ord, w.event_id AS cause, NULL::uuid AS company, NULL::text AS last_tx, NULL::bigint AS last_id
            FROM (SELECT user_id, max(ord) AS ord FROM touch GROUP BY user_id) t JOIN w ON w.ord = t.ord
            UNION ALL
            -- A backfill writes rows without an event each: everyone of its company is looked at once it completes.
            SELECT 'backfill', job, ord, event_id, company_id, NULL, NULL FROM w WHERE input AND type = 'backfill.completed'
            UNION ALL
            -- The last event read (the cursor's next position) and how many were read.
            SELECT 'end', NULL, ord, NULL, NULL, tx_id::text, id FROM w WHERE ord = (SELECT max(ord) FROM w)
            """, new { lastTx = cursor.LastTx, lastId = cursor.LastId, limit = options.Value.EventBatchSize }, tx, cancellationToken: ct))).ToList();
        var end = rows.SingleOrDefault(r => r.kind == "end");
        if (end is null)
        {
            await tx.CommitAsync(ct);
            return new EvaluationPass(0, 0, 0);
        }

        // userId → (position in the window, event) of the last event that touched the user.
        var last = new Dictionary<Guid, (long Ord, Guid? Cause)>();
        foreach (var r in rows.Where(r => r.kind == "user"))
        {
            if (Guid.TryParse(r.value, out var id) && (!last.TryGetValue(id, out var seen) || seen.Ord < r.ord))
            {
                last[id] = (r.ord, r.cause);
            }
        }

        foreach (var r in rows.Where(r => r.kind == "backfill").OrderBy(r => r.ord))
        {
            foreach (var id in await CompanyUsersAsync(conn, tx, r.company ?? await BackfillCompanyAsync(conn, tx, r.value, ct), ct))
            {
                if (!last.TryGetValue(id, out var seen) || seen.Ord < r.ord)
                {
                    last[id] = (r.ord, r.cause);
                }
            }
        }

        var touched = last.ToDictionary(x => x.Key, x => x.Value.Cause);
        var changes = await EvaluateAsync(conn, tx, touched, ct);
        await conn.ExecuteAsync(new CommandDefinition(
            "UPDATE impact.event_cursors SET last_tx_id = @tx::xid8, last_event_id = @id, updated_at = clock_timestamp() WHERE name = @name",
            new { tx = end.last_tx, id = end.last_id, name = CursorName }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return new EvaluationPass((int)end.ord, touched.Count, changes);
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

    // userId → the event that made us look at the user (for the flag history), or null. The facts are loaded in batches of
    // UserBatchSize users (one round trip each), the rules once for all their companies, and every change is written with one
    // statement per table for all the users together.
    private async Task<int> EvaluateAsync(NpgsqlConnection conn, NpgsqlTransaction tx, IReadOnlyDictionary<Guid, Guid?> users, CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var facts = new List<UserFacts>(users.Count);
        foreach (var batch in users.Keys.Order().Chunk(options.Value.UserBatchSize))
        {
            facts.AddRange((await JourneyFacts.LoadAsync(conn, tx, batch, ct)).Values);
        }

        var companies = facts.Where(f => f.CompanyId is not null).Select(f => f.CompanyId!.Value).Distinct().ToList();
        var ruleSets = await rules.EffectiveAsync(conn, tx, companies, ct);
        var platformRules = JourneyRuleStore.Defaults;
        var decisions = new List<(UserFacts Facts, JourneyDecision Decision)>();
        foreach (var f in facts)
        {
            var decision = RuleInterpreter.Decide(f.CompanyId is { } c && ruleSets.TryGetValue(c, out var set) ? set : platformRules, f, now);
            if (!decision.IsEmpty)
            {
                decisions.Add((f, decision));
            }
        }

        return decisions.Count == 0 ? 0 : await WriteAsync(conn, tx, decisions, users, now, ct);
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

    private static async Task<IEnumerable<Guid>> CompanyUsersAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid? company, CancellationToken ct) =>
        await conn.QueryAsync<Guid>(new CommandDefinition(
            """
            SELECT u.id FROM impact.users u
            WHERE @company::uuid IS NULL OR u.company_id = @company
               OR EXISTS (SELECT 1 FROM impact.kintell_sessions s WHERE s.company_id = @company AND s.participant_id = u.id)
            """,
            new { company }, tx, cancellationToken: ct));

    private static async Task<Guid?> BackfillCompanyAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string? job, CancellationToken ct) =>
        Guid.TryParse(job, out var jobId)
            ? await conn.ExecuteScalarAsync<Guid?>(new CommandDefinition(
                "SELECT company_id FROM impact.backfill_jobs WHERE id = @jobId", new { jobId }, tx, cancellationToken: ct))
            : null;

    private sealed record TouchRow(string kind, string? value, long ord, Guid? cause, Guid? company, string? last_tx, long? last_id);
}
