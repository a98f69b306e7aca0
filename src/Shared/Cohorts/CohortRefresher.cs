using System.Text.Json;
using Dapper;
using Impact.Shared.Events;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Impact.Shared.Cohorts;

/// <summary>
/// Keeps cohort members and metrics current. <see cref="CatchUpEventsAsync"/> follows <c>impact.events</c> in commit-safe
/// order (tx_id, id; only finished transactions, as the relay and the journey evaluator read it) from the <c>cohorts</c>
/// cursor: for the sessions, ratings and scores the events name it re-decides the membership of the people involved and
/// marks the cohort × metric × period rows they change as dirty, advancing the cursor in the same transaction.
/// <see cref="RecomputeDirtyAsync"/> then recomputes the dirty rows (exact <c>percentile_cont</c> / <c>stddev_samp</c>
/// over the raw rows) and replaces them, a batch per transaction: readers see the previous complete rows until the
/// commit and never wait. A new or changed cohort, a completed backfill (rows without events) or an erasure rebuilds
/// the cohorts concerned: all of their members and periods.
/// </summary>
public sealed class CohortRefresher(NpgsqlDataSource db, IOptions<CohortOptions> options)
{
    /// <summary>The cursor's name in <c>impact.event_cursors</c>.</summary>
    public const string CursorName = "cohorts";

    private static readonly string[] UserKeys = ["participantId", "volunteerId", "raterId", "userId"];

    /// <summary>Everything: events until caught up, rebuilds, then every dirty row.</summary>
    public async Task<CohortRefreshPass> RefreshAsync(CancellationToken ct = default)
    {
        var pass = await CatchUpEventsAsync(ct);
        pass = pass.Add(await RebuildRequestedAsync(ct));
        return pass.Add(await RecomputeDirtyAsync(ct));
    }

    /// <summary>Marks every cohort for rebuilding and refreshes: the full recomputation (nightly, and the benchmark's baseline).</summary>
    public async Task<CohortRefreshPass> RebuildAllAsync(CancellationToken ct = default)
    {
        await using (var conn = await db.OpenConnectionAsync(ct))
        {
            await conn.ExecuteAsync(new CommandDefinition(
                "UPDATE impact.cohorts SET rebuild_requested_at = clock_timestamp() WHERE rebuild_requested_at IS NULL", cancellationToken: ct));
        }

        return await RefreshAsync(ct);
    }

    /// <summary>Event passes until the cursor has caught up with every finished transaction; nothing is recomputed yet.</summary>
    public async Task<CohortRefreshPass> CatchUpEventsAsync(CancellationToken ct = default)
    {
        var total = CohortRefreshPass.Empty;
        while (true)
        {
            var pass = await EventPassAsync(ct);
            total = total.Add(pass);
            if (pass.Events == 0)
            {
                return total;
            }
        }
    }

    /// <summary>Recomputes and replaces dirty rows, a batch per transaction, until none is left; returns the rows done.</summary>
    public async Task<CohortRefreshPass> RecomputeDirtyAsync(CancellationToken ct = default)
    {
        var done = new List<DirtyPeriod>();
        while (true)
        {
            var batch = await RecomputeBatchAsync(ct);
            if (batch.Count == 0)
            {
                return new CohortRefreshPass(0, 0, done);
            }

            done.AddRange(batch);
        }
    }

    /// <summary>Rebuilds the members and marks every period of each cohort waiting for it (one transaction per cohort).</summary>
    public async Task<CohortRefreshPass> RebuildRequestedAsync(CancellationToken ct = default)
    {
        var changes = 0;
        while (true)
        {
            await using var conn = await db.OpenConnectionAsync(ct);
            await using var tx = await conn.BeginTransactionAsync(ct);
            var c = await conn.QuerySingleOrDefaultAsync<CohortRef>(new CommandDefinition(
                """
                SELECT id, company_id FROM impact.cohorts WHERE rebuild_requested_at IS NOT NULL
                ORDER BY rebuild_requested_at, id LIMIT 1 FOR NO KEY UPDATE SKIP LOCKED
                """, transaction: tx, cancellationToken: ct));
            if (c is null)
            {
                await tx.CommitAsync(ct);
                return new CohortRefreshPass(0, changes, []);
            }

            var changed = await DecideMembershipAsync(conn, tx, users: null, cohorts: [c.id], companies: [c.company_id], ct);
            changes += changed.Count;
            // Every period the cohort had a row for (it may have none now) and every period of every member.
            await conn.ExecuteAsync(new CommandDefinition(
                $$"""
                INSERT INTO impact.cohort_dirty_periods (cohort_id, metric, period_kind, period_start)
                SELECT cohort_id, metric, period_kind, period_start FROM impact.cohort_metrics WHERE cohort_id = @id
                UNION
                SELECT p.cohort_id, p.metric, k.kind, date_trunc(k.kind, p.at AT TIME ZONE 'UTC')::date
                FROM (
                {{MemberPoints("""
                    SELECT m.cohort_id, m.user_id, c.company_id, c.session_type, c.role,
                           NULL::text AS metric, '-infinity'::timestamptz AS lo, 'infinity'::timestamptz AS hi
                    FROM impact.cohort_members m JOIN impact.cohorts c ON c.id = m.cohort_id
                    WHERE m.cohort_id = @id
                    """)}}
                ) p
                CROSS JOIN (VALUES ('month'), ('quarter')) AS k(kind)
                ON CONFLICT DO NOTHING
                """, new { id = c.id }, tx, cancellationToken: ct));
            await conn.ExecuteAsync(new CommandDefinition(
                """
                UPDATE impact.cohorts
                SET rebuild_requested_at = NULL, member_count = (SELECT count(*) FROM impact.cohort_members WHERE cohort_id = @id)
                WHERE id = @id
                """, new { id = c.id }, tx, cancellationToken: ct));
            await tx.CommitAsync(ct);
        }
    }

    private async Task<CohortRefreshPass> EventPassAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(
            "INSERT INTO impact.event_cursors (name) VALUES (@name) ON CONFLICT DO NOTHING", new { name = CursorName }, tx, cancellationToken: ct));
        var cursor = await conn.QuerySingleAsync<(string LastTx, long LastId)>(new CommandDefinition(
            "SELECT last_tx_id::text, last_event_id FROM impact.event_cursors WHERE name = @name FOR UPDATE", new { name = CursorName }, tx, cancellationToken: ct));
        var events = (await conn.QueryAsync<EventRow>(new CommandDefinition(
            """
            SELECT id, tx_id::text AS tx_id, type, company_id, data::text AS data
            FROM impact.events
            WHERE (tx_id, id) > (@lastTx::xid8, @lastId) AND tx_id < pg_snapshot_xmin(pg_current_snapshot())
            ORDER BY tx_id, id
            LIMIT @limit
            """, new { lastTx = cursor.LastTx, lastId = cursor.LastId, limit = options.Value.EventBatchSize }, tx, cancellationToken: ct))).ToList();
        if (events.Count == 0)
        {
            await tx.CommitAsync(ct);
            return CohortRefreshPass.Empty;
        }

        var changes = await ApplyAsync(conn, tx, events, ct);
        var last = events[^1];
        await conn.ExecuteAsync(new CommandDefinition(
            "UPDATE impact.event_cursors SET last_tx_id = @tx::xid8, last_event_id = @id, updated_at = clock_timestamp() WHERE name = @name",
            new { tx = last.tx_id, id = last.id, name = CursorName }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return new CohortRefreshPass(events.Count, changes, []);
    }

    // Decides the membership of the people the events name and marks the periods their rows change; returns membership changes.
    private static async Task<int> ApplyAsync(NpgsqlConnection conn, NpgsqlTransaction tx, List<EventRow> events, CancellationToken ct)
    {
        var users = new HashSet<Guid>();
        var sessions = new HashSet<Guid>();
        var ratings = new HashSet<Guid>();
        var texts = new HashSet<Guid>();
        var rebuildCompanies = new HashSet<Guid>();
        var rebuildAll = false;
        foreach (var e in events)
        {
            using var doc = JsonDocument.Parse(e.data);
            var data = doc.RootElement;
            if (data.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            switch (e.type)
            {
                case EventTypes.SessionCompleted:
                    Add(sessions, data, "sessionId");
                    break;
                case EventTypes.RatingCreated:
                    Add(ratings, data, "ratingId");
                    break;
                case EventTypes.Q2QOutcomeScored:
                    Add(texts, data, "textId");
                    break;
                case EventTypes.BackfillCompleted or EventTypes.PrivacyUserDeleted:
                    // A backfill writes rows without an event each, and an erasure leaves no row to follow: rebuild.
                    if (e.company_id is { } company)
                    {
                        rebuildCompanies.Add(company);
                    }
                    else
                    {
                        rebuildAll = true;
                    }

                    continue;
                default:
                    continue;
            }

            foreach (var key in UserKeys)
            {
                Add(users, data, key);
            }
        }

        if (rebuildAll || rebuildCompanies.Count > 0)
        {
            await conn.ExecuteAsync(new CommandDefinition(
                "UPDATE impact.cohorts SET rebuild_requested_at = clock_timestamp() WHERE @all OR company_id = ANY(@companies)",
                new { all = rebuildAll, companies = rebuildCompanies.ToArray() }, tx, cancellationToken: ct));
        }

        // The rows as they are now: a session's people, its ratings (a rating may have come before its session), the scores of a text.
        var rows = (await conn.QueryAsync<(Guid RowId, Guid? UserA, Guid? UserB)>(new CommandDefinition(
            """
            SELECT id, participant_id, volunteer_id FROM impact.kintell_sessions WHERE id = ANY(@sessions)
            UNION ALL
            SELECT r.id, r.rater_id, NULL FROM impact.kintell_ratings r
            WHERE r.id = ANY(@ratings)
               OR r.session_external_id IN (SELECT external_id FROM impact.kintell_sessions WHERE id = ANY(@sessions))
            UNION ALL
            SELECT id, user_id, NULL FROM impact.outcome_scores WHERE text_id = ANY(@texts)
            """, new { sessions = sessions.ToArray(), ratings = ratings.ToArray(), texts = texts.ToArray() }, tx, cancellationToken: ct))).ToList();
        foreach (var r in rows)
        {
            if (r.UserA is { } a)
            {
                users.Add(a);
            }

            if (r.UserB is { } b)
            {
                users.Add(b);
            }
        }

        var changed = users.Count == 0 ? [] : await DecideMembershipAsync(conn, tx, users.ToArray(), cohorts: null, companies: null, ct);
        if (changed.Count > 0)
        {
            // Joining or leaving changes every period the person has values in.
            await conn.ExecuteAsync(new CommandDefinition(
                $$"""
                INSERT INTO impact.cohort_dirty_periods (cohort_id, metric, period_kind, period_start)
                SELECT DISTINCT p.cohort_id, p.metric, k.kind, date_trunc(k.kind, p.at AT TIME ZONE 'UTC')::date
                FROM (
                {{MemberPoints("""
                    SELECT x.cohort_id, x.user_id, c.company_id, c.session_type, c.role,
                           NULL::text AS metric, '-infinity'::timestamptz AS lo, 'infinity'::timestamptz AS hi
                    FROM unnest(@cohorts::uuid[], @users::uuid[]) AS x(cohort_id, user_id)
                    JOIN impact.cohorts c ON c.id = x.cohort_id
                    """)}}
                ) p
                CROSS JOIN (VALUES ('month'), ('quarter')) AS k(kind)
                ON CONFLICT DO NOTHING
                """, new { cohorts = changed.Select(c => c.CohortId).ToArray(), users = changed.Select(c => c.UserId).ToArray() },
                tx, cancellationToken: ct));
            await conn.ExecuteAsync(new CommandDefinition(
                """
                UPDATE impact.cohorts c SET member_count = (SELECT count(*) FROM impact.cohort_members m WHERE m.cohort_id = c.id)
                WHERE c.id = ANY(@ids)
                """, new { ids = changed.Select(c => c.CohortId).Distinct().ToArray() }, tx, cancellationToken: ct));
        }

        if (rows.Count > 0)
        {
            // A new or changed row changes its month and quarter in every cohort its person belongs to.
            await conn.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO impact.cohort_dirty_periods (cohort_id, metric, period_kind, period_start)
                SELECT DISTINCT p.cohort_id, p.metric, k.kind, date_trunc(k.kind, p.at AT TIME ZONE 'UTC')::date
                FROM (
                    -- Each source table on its own, found by id, then the cohorts its people belong to (of its company).
                    SELECT m.cohort_id, 'session_hours'::text AS metric, s.completed_at AS at
                    FROM impact.kintell_sessions s
                    JOIN impact.cohort_members m ON m.user_id IN (s.participant_id, s.volunteer_id)
                    JOIN impact.cohorts c ON c.id = m.cohort_id AND c.company_id = s.company_id
                    WHERE s.id = ANY(@ids) AND s.completed_at IS NOT NULL AND s.duration_minutes IS NOT NULL
                      AND (s.session_type IS NULL OR c.session_type IS NULL OR s.session_type = c.session_type)
                      AND (c.role IS NULL OR (c.role = 'participant' AND m.user_id = s.participant_id) OR (c.role = 'volunteer' AND m.user_id = s.volunteer_id))
                    UNION ALL
                    SELECT m.cohort_id, 'rating', r.rated_at
                    FROM impact.kintell_ratings r
                    JOIN impact.kintell_sessions s ON s.external_id = r.session_external_id
                    JOIN impact.cohort_members m ON m.user_id = r.rater_id
                    JOIN impact.cohorts c ON c.id = m.cohort_id AND c.company_id = s.company_id
                    WHERE r.id = ANY(@ids)
                      AND (s.session_type IS NULL OR c.session_type IS NULL OR s.session_type = c.session_type)
                      AND (r.from_role IS NULL OR c.role IS NULL OR r.from_role = c.role)
                    UNION ALL
                    SELECT m.cohort_id, o.dimension, o.scored_at
                    FROM impact.outcome_scores o
                    JOIN impact.cohort_members m ON m.user_id = o.user_id
                    JOIN impact.cohorts c ON c.id = m.cohort_id AND c.company_id = o.company_id
                    WHERE o.id = ANY(@ids)
                ) p
                CROSS JOIN (VALUES ('month'), ('quarter')) AS k(kind)
                ON CONFLICT DO NOTHING
                """, new { ids = rows.Select(r => r.RowId).Distinct().ToArray() }, tx, cancellationToken: ct));
        }

        return changed.Count;
    }

    /// <summary>
    /// Decides who belongs to which cohort — for <paramref name="users"/> in every cohort of every company (or every
    /// person for <paramref name="cohorts"/> of <paramref name="companies"/>) — and writes the difference; returns who joined or left.
    /// </summary>
    private static async Task<List<(Guid CohortId, Guid UserId)>> DecideMembershipAsync(NpgsqlConnection conn, NpgsqlTransaction tx,
        Guid[]? users, Guid[]? cohorts, Guid[]? companies, CancellationToken ct) =>
        (await conn.QueryAsync<(Guid CohortId, Guid UserId)>(new CommandDefinition(
            """
            WITH parts AS (
                SELECT s.id, s.company_id, s.session_type, s.completed_at, s.language_level, s.participant_id AS user_id, 'participant' AS role
                FROM impact.kintell_sessions s
                WHERE s.completed_at IS NOT NULL AND s.participant_id IS NOT NULL
                  AND (@users::uuid[] IS NULL OR s.participant_id = ANY(@users)) AND (@companies::uuid[] IS NULL OR s.company_id = ANY(@companies))
                UNION ALL
                SELECT s.id, s.company_id, s.session_type, s.completed_at, s.language_level, s.volunteer_id, 'volunteer'
                FROM impact.kintell_sessions s
                WHERE s.completed_at IS NOT NULL AND s.volunteer_id IS NOT NULL
                  AND (@users::uuid[] IS NULL OR s.volunteer_id = ANY(@users)) AND (@companies::uuid[] IS NULL OR s.company_id = ANY(@companies))
            ),
            firsts0 AS (
                -- Each person's first session per company × session type × role, before the cohorts multiply the rows.
                SELECT DISTINCT ON (x.company_id, x.user_id, x.session_type, x.role)
                       x.id, x.company_id, x.session_type, x.role, x.completed_at, x.language_level, x.user_id
                FROM parts x
                ORDER BY x.company_id, x.user_id, x.session_type, x.role, x.completed_at, x.id
            ),
            firsts AS (
                -- Each person's first session with the cohort's company, of its session type and in its role.
                SELECT DISTINCT ON (c.id, x.user_id) c.id AS cohort_id, x.user_id, x.completed_at, x.language_level
                FROM firsts0 x
                JOIN impact.cohorts c ON c.company_id = x.company_id
                WHERE (@cohorts::uuid[] IS NULL OR c.id = ANY(@cohorts))
                  AND (c.session_type IS NULL OR c.session_type = x.session_type) AND (c.role IS NULL OR c.role = x.role)
                ORDER BY c.id, x.user_id, x.completed_at, x.id
            ),
            expected AS (
                SELECT f.cohort_id, f.user_id
                FROM firsts f JOIN impact.cohorts c ON c.id = f.cohort_id
                WHERE (c.first_session_from IS NULL OR f.completed_at >= c.first_session_from::timestamp AT TIME ZONE 'UTC')
                  AND (c.first_session_to IS NULL OR f.completed_at < (c.first_session_to + interval '1 month') AT TIME ZONE 'UTC')
                  AND (c.cefr_at_start IS NULL OR f.language_level = ANY(c.cefr_at_start))
                  AND (c.language IS NULL OR EXISTS (SELECT 1 FROM impact.texts t
                                                     WHERE t.user_id = f.user_id AND t.company_id = c.company_id AND t.language = c.language))
            ),
            present AS (
                SELECT m.cohort_id, m.user_id
                FROM impact.cohort_members m JOIN impact.cohorts c ON c.id = m.cohort_id
                WHERE (@users::uuid[] IS NULL OR m.user_id = ANY(@users)) AND (@cohorts::uuid[] IS NULL OR m.cohort_id = ANY(@cohorts))
            ),
            added AS (
                INSERT INTO impact.cohort_members (cohort_id, user_id)
                SELECT cohort_id, user_id FROM (SELECT cohort_id, user_id FROM expected EXCEPT SELECT cohort_id, user_id FROM present) j
                ON CONFLICT DO NOTHING
                RETURNING cohort_id, user_id
            ),
            removed AS (
                DELETE FROM impact.cohort_members m
                USING (SELECT cohort_id, user_id FROM present EXCEPT SELECT cohort_id, user_id FROM expected) g
                WHERE m.cohort_id = g.cohort_id AND m.user_id = g.user_id
                RETURNING m.cohort_id, m.user_id
            )
            SELECT cohort_id, user_id FROM added
            UNION ALL
            SELECT cohort_id, user_id FROM removed
            """, new { users, cohorts, companies }, tx, cancellationToken: ct))).ToList();

    // Claims a batch of dirty rows (deleting them, so a period marked again meanwhile waits for this commit and is
    // recomputed once more), recomputes them from the raw rows and replaces them, all in one transaction.
    private async Task<List<DirtyPeriod>> RecomputeBatchAsync(CancellationToken ct)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var claimed = (await conn.QueryAsync<(Guid CohortId, string Metric, string Kind, DateOnly Start)>(new CommandDefinition(
            """
            DELETE FROM impact.cohort_dirty_periods d
            WHERE (d.cohort_id, d.metric, d.period_kind, d.period_start) IN (
                SELECT cohort_id, metric, period_kind, period_start FROM impact.cohort_dirty_periods
                ORDER BY cohort_id, metric, period_kind, period_start
                LIMIT @limit
                FOR UPDATE SKIP LOCKED)
            RETURNING d.cohort_id, d.metric, d.period_kind, d.period_start
            """, new { limit = options.Value.RecomputeBatchSize }, tx, cancellationToken: ct))).ToList();
        if (claimed.Count == 0)
        {
            await tx.CommitAsync(ct);
            return [];
        }

        await conn.ExecuteAsync(new CommandDefinition(
            $$"""
            WITH d AS (
                SELECT d.cohort_id, d.metric, d.kind, d.start, d.start::timestamp AT TIME ZONE 'UTC' AS lo,
                       (d.start + CASE WHEN d.kind = 'month' THEN interval '1 month' ELSE interval '3 months' END) AT TIME ZONE 'UTC' AS hi
                FROM unnest(@cohorts::uuid[], @metrics::text[], @kinds::text[], @starts::date[]) AS d(cohort_id, metric, kind, start)
            ),
            w AS (
                -- One time window per cohort × metric of the batch: the members' rows are read once, through the user indexes.
                SELECT cohort_id, metric, min(lo) AS lo, max(hi) AS hi FROM d GROUP BY cohort_id, metric
            ),
            p AS (
                {{MemberPoints("""
                    SELECT m.cohort_id, m.user_id, c.company_id, c.session_type, c.role, w.metric, w.lo, w.hi
                    FROM w JOIN impact.cohorts c ON c.id = w.cohort_id JOIN impact.cohort_members m ON m.cohort_id = w.cohort_id
                    """)}}
            ),
            x AS (
                SELECT p.cohort_id, p.metric, k.kind, date_trunc(k.kind, p.at AT TIME ZONE 'UTC')::date AS start, p.value
                FROM p CROSS JOIN (VALUES ('month'), ('quarter')) AS k(kind)
            ),
            stats AS (
                SELECT d.cohort_id, d.metric, d.kind, d.start, count(x.value)::int AS n, avg(x.value) AS avg,
                       percentile_cont(ARRAY[0.5, 0.75, 0.95]::float8[]) WITHIN GROUP (ORDER BY x.value) AS ps,
                       min(x.value) AS min, max(x.value) AS max, stddev_samp(x.value) AS stddev
                FROM d LEFT JOIN x ON x.cohort_id = d.cohort_id AND x.metric = d.metric AND x.kind = d.kind AND x.start = d.start
                GROUP BY d.cohort_id, d.metric, d.kind, d.start
            ),
            gone AS (
                DELETE FROM impact.cohort_metrics t USING stats s
                WHERE s.n = 0 AND t.cohort_id = s.cohort_id AND t.metric = s.metric AND t.period_kind = s.kind AND t.period_start = s.start
            )
            INSERT INTO impact.cohort_metrics AS t (cohort_id, metric, period_kind, period_start, n, avg, p50, p75, p95, min, max, stddev, computed_at)
            SELECT cohort_id, metric, kind, start, n, avg, ps[1], ps[2], ps[3], min, max, stddev, clock_timestamp() FROM stats WHERE n > 0
            ON CONFLICT (cohort_id, metric, period_kind, period_start) DO UPDATE
            SET n = EXCLUDED.n, avg = EXCLUDED.avg, p50 = EXCLUDED.p50, p75 = EXCLUDED.p75, p95 = EXCLUDED.p95,
                min = EXCLUDED.min, max = EXCLUDED.max, stddev = EXCLUDED.stddev, computed_at = EXCLUDED.computed_at
            """, new
            {
                cohorts = claimed.Select(c => c.CohortId).ToArray(),
                metrics = claimed.Select(c => c.Metric).ToArray(),
                kinds = claimed.Select(c => c.Kind).ToArray(),
                starts = claimed.Select(c => c.Start.ToDateTime(TimeOnly.MinValue)).ToArray(),
            }, tx, cancellationToken: ct));
        // Last: readers can tell how fresh the numbers are.
        await conn.ExecuteAsync(new CommandDefinition(
            "UPDATE impact.cohorts SET metrics_refreshed_at = clock_timestamp() WHERE id = ANY(@ids)",
            new { ids = claimed.Select(c => c.CohortId).Distinct().ToArray() }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return [.. claimed.Select(c => new DirtyPeriod(c.CohortId, c.Metric, c.Kind, c.Start))];
    }

    /// <summary>
    /// Every value the members of <paramref name="members"/> count with — a relation of (cohort_id, user_id, company_id,
    /// session_type, role, metric, lo, hi), metric NULL for all metrics — one query per source table, each joined to the
    /// members through its user index and time range (never a view over the union, whose branches the planner scans
    /// whole): (cohort_id, metric, row_id, at, value), a session two members took part in once.
    /// </summary>
    private static string MemberPoints(string members) => $$"""
        WITH mc AS (
        {{members}}
        )
        SELECT q.cohort_id, q.metric, q.row_id, q.at, q.value FROM (
            SELECT mc.cohort_id, 'session_hours'::text AS metric, s.id AS row_id, s.completed_at AS at, s.duration_minutes / 60.0::float8 AS value
            FROM mc JOIN impact.kintell_sessions s ON s.participant_id = mc.user_id AND s.completed_at >= mc.lo AND s.completed_at < mc.hi
            WHERE (mc.metric IS NULL OR mc.metric = 'session_hours') AND (mc.role IS NULL OR mc.role = 'participant')
              AND s.company_id = mc.company_id AND s.duration_minutes IS NOT NULL
              AND (s.session_type IS NULL OR mc.session_type IS NULL OR s.session_type = mc.session_type)
            UNION
            SELECT mc.cohort_id, 'session_hours', s.id, s.completed_at, s.duration_minutes / 60.0::float8
            FROM mc JOIN impact.kintell_sessions s ON s.volunteer_id = mc.user_id AND s.completed_at >= mc.lo AND s.completed_at < mc.hi
            WHERE (mc.metric IS NULL OR mc.metric = 'session_hours') AND (mc.role IS NULL OR mc.role = 'volunteer')
              AND s.company_id = mc.company_id AND s.duration_minutes IS NOT NULL
              AND (s.session_type IS NULL OR mc.session_type IS NULL OR s.session_type = mc.session_type)
        ) q
        UNION ALL
        SELECT mc.cohort_id, 'rating', r.id, r.rated_at, r.rating::float8
        FROM mc
        JOIN impact.kintell_ratings r ON r.rater_id = mc.user_id AND r.rated_at >= mc.lo AND r.rated_at < mc.hi
        JOIN impact.kintell_sessions s ON s.external_id = r.session_external_id
        WHERE (mc.metric IS NULL OR mc.metric = 'rating') AND s.company_id = mc.company_id
          AND (s.session_type IS NULL OR mc.session_type IS NULL OR s.session_type = mc.session_type)
          AND (r.from_role IS NULL OR mc.role IS NULL OR r.from_role = mc.role)
        UNION ALL
        SELECT mc.cohort_id, o.dimension, o.id, o.scored_at, o.score
        FROM mc JOIN impact.outcome_scores o ON o.user_id = mc.user_id AND o.scored_at >= mc.lo AND o.scored_at < mc.hi
        WHERE (mc.metric IS NULL OR o.dimension = mc.metric) AND o.company_id = mc.company_id
        """;

    private static void Add(HashSet<Guid> set, JsonElement data, string key)
    {
        if (data.TryGetProperty(key, out var v) && v.ValueKind == JsonValueKind.String && Guid.TryParse(v.GetString(), out var id))
        {
            set.Add(id);
        }
    }

    private sealed record CohortRef(Guid id, Guid company_id);

    private sealed record EventRow(long id, string tx_id, string type, Guid? company_id, string data);
}
