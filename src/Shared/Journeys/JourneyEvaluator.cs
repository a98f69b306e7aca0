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

    /// <summary>
    /// One pass over new events: every finished event after the cursor, up to <see cref="JourneyOptions.EventBatchSize"/>, in one
    /// transaction. The users the events touch are read from the fields of the events that name a person (only those fields
    /// cross the wire), and each is evaluated once however many of the events name them. Returns how many events were read (0 when caught up).
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
        // The window, oldest first: only the fields that may name a user cross the wire, and only for events that are input
        // (our own output, and privacy events — the person may be gone — never re-trigger evaluation; they only move the cursor).
        var window = (await conn.QueryAsync<WindowRow>(new CommandDefinition(
            """
            SELECT e.tx_id::text AS tx, e.id, e.event_id, e.type, e.company_id, i.input,
                   CASE WHEN i.input THEN e.data ->> 'participantId' END AS participant,
                   CASE WHEN i.input THEN e.data ->> 'volunteerId' END AS volunteer,
                   CASE WHEN i.input THEN e.data ->> 'raterId' END AS rater,
                   CASE WHEN i.input THEN e.data ->> 'userId' END AS user_id,
                   CASE WHEN i.input AND e.type = 'kintell.rating.created' THEN e.data ->> 'sessionExternalId' END AS session,
                   CASE WHEN i.input AND e.type = 'backfill.completed' THEN e.data ->> 'jobId' END AS job
            FROM (SELECT * FROM impact.events
                  WHERE (tx_id, id) > (@lastTx::xid8, @lastId) AND tx_id < pg_snapshot_xmin(pg_current_snapshot())
                  ORDER BY tx_id, id
                  LIMIT @limit) e
            CROSS JOIN LATERAL (SELECT e.type NOT LIKE 'journey.%' AND e.type NOT LIKE 'privacy.%' AND jsonb_typeof(e.data) = 'object' AS input) i
            ORDER BY e.tx_id, e.id
            """, new { lastTx = cursor.LastTx, lastId = cursor.LastId, limit = options.Value.EventBatchSize }, tx, cancellationToken: ct))).AsList();
        if (window.Count == 0)
        {
            await tx.CommitAsync(ct);
            return new EvaluationPass(0, 0, 0);
        }

        // userId → (position in the window, event) of the last event that touched the user: the cause in the flag history.
        var last = new Dictionary<Guid, (long Ord, Guid? Cause)>();
        void Touch(Guid id, long ord, Guid? cause)
        {
            if (!last.TryGetValue(id, out var seen) || seen.Ord < ord)
            {
                last[id] = (ord, cause);
            }
        }

        // A rating changes the mean of both people of its session, not only the rater's: session → its last rating event.
        var ratedSessions = new Dictionary<string, (long Ord, Guid Cause)>();
        var backfills = new List<(long Ord, Guid Cause, Guid? Company, string? Job)>();
        for (var ord = 0; ord < window.Count; ord++)
        {
            var e = window[ord];
            if (!e.input)
            {
                continue;
            }

            foreach (var value in (ReadOnlySpan<string?>)[e.participant, e.volunteer, e.rater, e.user_id])
            {
                if (Guid.TryParse(value, out var id))
                {
                    Touch(id, ord, e.event_id);
                }
            }

            if (e.session is not null)
            {
                ratedSessions[e.session] = (ord, e.event_id);
            }

            if (e.type == "backfill.completed")
            {
                backfills.Add((ord, e.event_id, e.company_id, e.job));
            }
        }

        if (ratedSessions.Count > 0)
        {
            foreach (var s in await conn.QueryAsync<(string ExternalId, Guid? Participant, Guid? Volunteer)>(new CommandDefinition(
                "SELECT external_id, participant_id, volunteer_id FROM impact.kintell_sessions WHERE external_id = ANY(@sessions)",
                new { sessions = ratedSessions.Keys.ToArray() }, tx, cancellationToken: ct)))
            {
                var (ord, cause) = ratedSessions[s.ExternalId];
                foreach (var id in (ReadOnlySpan<Guid?>)[s.Participant, s.Volunteer])
                {
                    if (id is { } user)
                    {
                        Touch(user, ord, cause);
                    }
                }
            }
        }

        // A backfill writes rows without an event each: everyone of its company is looked at once it completes.
        foreach (var b in backfills)
        {
            foreach (var id in await CompanyUsersAsync(conn, tx, b.Company ?? await BackfillCompanyAsync(conn, tx, b.Job, ct), ct))
            {
                Touch(id, b.Ord, b.Cause);
            }
        }

        var touched = last.ToDictionary(x => x.Key, x => x.Value.Cause);
        var changes = await EvaluateAsync(conn, tx, touched, ct);
        await conn.ExecuteAsync(new CommandDefinition(
            "UPDATE impact.event_cursors SET last_tx_id = @tx::xid8, last_event_id = @id, updated_at = clock_timestamp() WHERE name = @name",
            new { tx = window[^1].tx, id = window[^1].id, name = CursorName }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return new EvaluationPass(window.Count, touched.Count, changes);
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
        var facts = await LoadFactsAsync(conn, tx, users.Keys, ct);

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

    // The batches are shared by FactLoaders readers: this transaction's connection and FactLoaders − 1 of the pool's, so
    // PostgreSQL reads on more than one core while this process maps the rows. Nothing has been written in this transaction
    // yet, and under READ COMMITTED each statement reads its own snapshot whichever connection sends it, so the facts are
    // the same as read one batch after another. The writes stay conditional on a change, whatever was read.
    private async Task<List<UserFacts>> LoadFactsAsync(NpgsqlConnection conn, NpgsqlTransaction tx, IEnumerable<Guid> users, CancellationToken ct)
    {
        var batches = users.Order().Chunk(options.Value.UserBatchSize).ToArray();
        var loaded = new Dictionary<Guid, UserFacts>[batches.Length];
        var next = -1;
        async Task ReadAsync(NpgsqlConnection c, NpgsqlTransaction? t)
        {
            for (var i = Interlocked.Increment(ref next); i < batches.Length; i = Interlocked.Increment(ref next))
            {
                loaded[i] = await JourneyFacts.LoadAsync(c, t, batches[i], ct);
            }
        }

        async Task ReadOnOwnConnectionAsync()
        {
            await using var own = await db.OpenConnectionAsync(ct);
            await ReadAsync(own, null);
        }

        var readers = Math.Clamp(batches.Length, 1, options.Value.FactLoaders);
        await Task.WhenAll([ReadAsync(conn, tx), .. Enumerable.Range(1, readers - 1).Select(_ => ReadOnOwnConnectionAsync())]);
        return loaded.SelectMany(l => l.Values).ToList();
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

    private sealed record WindowRow(string tx, long id, Guid event_id, string type, Guid? company_id, bool input, string? participant,
        string? volunteer, string? rater, string? user_id, string? session, string? job);
}
