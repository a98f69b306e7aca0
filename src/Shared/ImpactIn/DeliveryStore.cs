using System.Net;
using System.Text.Json;
using Dapper;
using Impact.Shared.Events;
using Impact.Shared.Telemetry;
using Impact.Shared.Http;
using Impact.Shared.Security;
using Npgsql;

namespace Impact.Shared.ImpactIn;

/// <summary>
/// SQL of deliveries: the scheduler's claim, the orchestration's steps and the deliveries API. The API's
/// methods take the <see cref="Caller"/> and see only its company's deliveries (an operator's: all);
/// another company's delivery answers exactly as an unknown id does.
/// </summary>
public sealed class DeliveryStore(NpgsqlDataSource dataSource, TimeProvider time)
{
    private const string Columns = """
        id AS Id, schedule_id AS ScheduleId, company_id AS CompanyId, platform AS Platform, period_kind AS Period,
        period_start::text AS PeriodStart, period_end::text AS PeriodEnd, time_zone AS TimeZone, scheduled_for AS ScheduledFor,
        instance_id AS InstanceId, idempotency_key AS IdempotencyKey, status AS Status, attempt_count AS AttemptCount,
        replay_count AS ReplayCount, last_error AS LastError, created_at AS CreatedAt, updated_at AS UpdatedAt, completed_at AS CompletedAt
        """;

    /// <summary>
    /// One scheduler tick: claims due schedules with <c>FOR UPDATE SKIP LOCKED</c> (a concurrent tick
    /// skips them), creates one delivery per schedule and period (the unique period key drops a period
    /// that already has one), advances <c>next_run</c> past now, all in one transaction; then takes over
    /// deliveries whose start may have been lost. Four round trips whatever the number of schedules.
    /// </summary>
    public async Task<ClaimResult> ClaimDueAsync(int batchSize, TimeSpan restartPendingAfter, CancellationToken ct = default)
    {
        var now = time.GetUtcNow();
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        IReadOnlyList<DeliveryStart> created = [];
        int claimed;
        await using (var tx = await conn.BeginTransactionAsync(ct))
        {
            // With each row its physical address (ctid): the rows are locked by this transaction until it ends, so
            // nobody can update or move them and the address stays valid for the advance below. Joining on it is a
            // TID scan per row; joining on the id, the planner hashes all 100,000 schedules instead (a seq scan of the
            // table every tick, ~10 ms at 100,000 schedules: it costs 1,000 index probes above one seq scan).
            var due = (await conn.QueryAsync<DeliverySchedule, string, (DeliverySchedule Schedule, string Tid)>(new CommandDefinition(
                $"""
                SELECT {ScheduleStore.Columns}, ctid::text AS RowTid
                FROM impact.scheduled_deliveries
                WHERE active AND next_run <= @now
                ORDER BY next_run
                LIMIT @batchSize
                FOR UPDATE SKIP LOCKED
                """, new { now = now.UtcDateTime, batchSize }, tx, cancellationToken: ct), (schedule, tid) => (schedule, tid), splitOn: "RowTid")).AsList();
            claimed = due.Count;
            if (due.Count > 0)
            {
                var subjects = due.Select(d => (d.Schedule, d.Tid, Subject: d.Schedule.NextSubject())).ToList();
                // Most schedules share a preset and a handful of zones: compute each next run once.
                var nextRuns = new Dictionary<(string Cron, string Zone), DateTime>();
                DateTime NextRun(DeliverySchedule s)
                {
                    if (!nextRuns.TryGetValue((s.CronExpression, s.TimeZone), out var next))
                    {
                        next = nextRuns[(s.CronExpression, s.TimeZone)] =
                            ScheduleSpec.NextRun(s.CronExpression, ScheduleSpec.FindZone(s.TimeZone)!, now).UtcDateTime;
                    }

                    return next;
                }

                created = (await conn.QueryAsync<DeliveryStart>(new CommandDefinition(
                    """
                    WITH advanced AS (
                        UPDATE impact.scheduled_deliveries s
                        SET next_run = c.next_run, last_run = c.last_run, updated_at = clock_timestamp()
                        FROM unnest(@tids::text[]::tid[], @scheduleIds::uuid[], @nextRuns::timestamptz[], @lastRuns::timestamptz[])
                             AS c(tid, id, next_run, last_run)
                        WHERE s.ctid = c.tid AND s.id = c.id
                    )
                    INSERT INTO impact.impact_deliveries
                        (id, schedule_id, company_id, platform, period_kind, period_start, period_end, time_zone, scheduled_for,
                         organization_id, program_id, instance_id, idempotency_key, start_requested_at)
                    SELECT d.id, d.schedule_id, d.company_id, d.platform, d.period_kind, d.period_start, d.period_end, d.time_zone,
                           d.scheduled_for, d.organization_id, d.program_id, d.key, d.key, @now
                    FROM unnest(@deliveryIds::uuid[], @scheduleIds::uuid[], @companyIds::uuid[], @platforms::text[], @kinds::text[],
                                @starts::date[], @ends::date[], @zones::text[], @lastRuns::timestamptz[], @organizationIds::text[],
                                @programIds::text[], @keys::text[])
                         AS d(id, schedule_id, company_id, platform, period_kind, period_start, period_end, time_zone, scheduled_for,
                              organization_id, program_id, key)
                    ON CONFLICT DO NOTHING
                    RETURNING id AS DeliveryId, instance_id AS InstanceId
                    """,
                    new
                    {
                        tids = subjects.Select(x => x.Tid).ToArray(),
                        scheduleIds = subjects.Select(x => x.Schedule.Id).ToArray(),
                        // From now, not from the missed run: a scheduler that was down catches up once, not once per missed run.
                        nextRuns = subjects.Select(x => NextRun(x.Schedule)).ToArray(),
                        lastRuns = subjects.Select(x => x.Schedule.NextRun).ToArray(),
                        deliveryIds = subjects.Select(_ => Guid.CreateVersion7()).ToArray(),
                        companyIds = subjects.Select(x => x.Schedule.CompanyId).ToArray(),
                        platforms = subjects.Select(x => x.Schedule.Platform).ToArray(),
                        kinds = subjects.Select(x => x.Schedule.Period).ToArray(),
                        starts = subjects.Select(x => x.Subject.Period.Start).ToArray(),
                        ends = subjects.Select(x => x.Subject.Period.End).ToArray(),
                        zones = subjects.Select(x => x.Schedule.TimeZone).ToArray(),
                        organizationIds = subjects.Select(x => x.Schedule.OrganizationId).ToArray(),
                        programIds = subjects.Select(x => x.Schedule.ProgramId).ToArray(),
                        keys = subjects.Select(x => x.Schedule.DeliveryKey(x.Subject.Period)).ToArray(),
                        now = now.UtcDateTime,
                    }, tx, cancellationToken: ct))).AsList();
            }

            await tx.CommitAsync(ct);
        }

        // Taking a stale start over is itself a claim, so two ticks never restart the same delivery.
        var stale = (await conn.QueryAsync<DeliveryStart>(new CommandDefinition(
            """
            UPDATE impact.impact_deliveries
            SET start_requested_at = @now
            WHERE id IN (SELECT id FROM impact.impact_deliveries
                         WHERE status = 'pending' AND start_requested_at < @cutoff
                         ORDER BY start_requested_at
                         LIMIT @batchSize
                         FOR UPDATE SKIP LOCKED)
            RETURNING id AS DeliveryId, instance_id AS InstanceId
            """, new { now = now.UtcDateTime, cutoff = (now - restartPendingAfter).UtcDateTime, batchSize }, cancellationToken: ct))).AsList();
        return new ClaimResult(claimed, created, stale);
    }

    /// <summary>
    /// Creates the delivery of the complete period before now (run-now), audited as <paramref name="caller"/>
    /// in the same transaction. When that period already has a delivery to the platform for the company (from this
    /// schedule or an earlier, deleted one) it is a 409 naming that delivery: a period is delivered once (replay it instead).
    /// </summary>
    public async Task<Delivery> CreateRunNowAsync(DeliverySchedule schedule, Caller caller, CancellationToken ct = default)
    {
        var subject = schedule.SubjectFor(time.GetUtcNow());
        var key = schedule.DeliveryKey(subject.Period);
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var row = await conn.QuerySingleOrDefaultAsync<Delivery>(new CommandDefinition(
            $"""
            INSERT INTO impact.impact_deliveries
                (id, schedule_id, company_id, platform, period_kind, period_start, period_end, time_zone, scheduled_for,
                 organization_id, program_id, instance_id, idempotency_key, start_requested_at)
            VALUES (@id, @scheduleId, @companyId, @platform, @kind, @start::date, @end::date, @zone, @scheduledFor,
                    @organizationId, @programId, @key, @key, @scheduledFor)
            ON CONFLICT DO NOTHING
            RETURNING {Columns}
            """,
            new
            {
                id = Guid.CreateVersion7(), scheduleId = schedule.Id, companyId = schedule.CompanyId, platform = schedule.Platform,
                kind = schedule.Period, start = subject.Period.Start.ToDateTime(TimeOnly.MinValue), end = subject.Period.End.ToDateTime(TimeOnly.MinValue),
                zone = schedule.TimeZone, scheduledFor = subject.ScheduledFor.UtcDateTime, organizationId = schedule.OrganizationId,
                programId = schedule.ProgramId, key,
            }, tx, cancellationToken: ct));
        if (row is not null)
        {
            await AuditLog.AppendAsync(conn, tx, caller, ImpactInAudit.ScheduleRunNow, schedule.Id.ToString(),
                new { deliveryId = row.Id, companyId = row.CompanyId, platform = row.Platform, periodStart = row.PeriodStart, periodEnd = row.PeriodEnd }, ct);
            await tx.CommitAsync(ct);
            return row;
        }

        // By the period, not the key: a delivery made before keys were per company and platform has another key.
        var existing = await conn.QuerySingleAsync<Delivery>(new CommandDefinition(
            $"""
            SELECT {Columns} FROM impact.impact_deliveries
            WHERE company_id = @companyId AND platform = @platform AND period_kind = @kind AND period_start = @start::date
            """,
            new { companyId = schedule.CompanyId, platform = schedule.Platform, kind = schedule.Period, start = subject.Period.Start.ToDateTime(TimeOnly.MinValue) },
            tx, cancellationToken: ct));
        throw new ProblemException(HttpStatusCode.Conflict, "Period already delivered",
            $"The {existing.Period} {existing.PeriodStart} to {existing.PeriodEnd} already has delivery {existing.Id} ({existing.Status}). " +
            "A period is delivered once; replay that delivery if it failed.");
    }

    /// <summary>
    /// Marks the delivery as being delivered by <paramref name="instanceId"/> and returns what to send.
    /// The payload is built from the metrics once, on the first run, and stored: retries and replays
    /// send the same bytes. Null when the delivery is finished or belongs to another instance.
    /// </summary>
    public async Task<PartnerRequest?> PrepareAsync(Guid id, string instanceId, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        var row = await conn.QuerySingleOrDefaultAsync<PrepareRow>(new CommandDefinition(
            """
            SELECT platform AS Platform, company_id AS CompanyId, organization_id AS OrganizationId, program_id AS ProgramId,
                   period_kind AS Period, period_start AS PeriodStart, time_zone AS TimeZone, scheduled_for AS ScheduledFor,
                   payload AS Payload, idempotency_key AS IdempotencyKey
            FROM impact.impact_deliveries
            WHERE id = @id AND instance_id = @instanceId AND status IN ('pending', 'delivering')
            """, new { id, instanceId }, cancellationToken: ct));
        if (row is null)
        {
            return null;
        }

        var built = row.Payload;
        if (built is null)
        {
            var period = ReportingPeriod.Of(PeriodNames.OfStored(row.Period), row.PeriodStart, ScheduleSpec.FindZone(row.TimeZone)!);
            var subject = new DeliverySubject(row.Platform, row.CompanyId, row.OrganizationId, row.ProgramId, period,
                new DateTimeOffset(row.ScheduledFor, TimeSpan.Zero));
            built = await ImpactPayloads.BuildAsync(conn, subject, ct);
        }

        // coalesce: if two runs raced to build it, the first stored payload wins and both send that one.
        var payload = await conn.ExecuteScalarAsync<string>(new CommandDefinition(
            """
            UPDATE impact.impact_deliveries
            SET payload = coalesce(payload, @built), status = 'delivering', updated_at = clock_timestamp()
            WHERE id = @id AND instance_id = @instanceId AND status IN ('pending', 'delivering')
            RETURNING payload
            """, new { id, instanceId, built }, cancellationToken: ct));
        return payload is null ? null : new PartnerRequest(row.Platform, payload, row.IdempotencyKey);
    }

    /// <summary>The stored payload, platform and key of a prepared delivery, or null.</summary>
    public async Task<PartnerRequest?> LoadRequestAsync(Guid id, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        return await conn.QuerySingleOrDefaultAsync<PartnerRequest>(new CommandDefinition(
            """
            SELECT platform AS Platform, payload AS Payload, idempotency_key AS IdempotencyKey
            FROM impact.impact_deliveries WHERE id = @id AND payload IS NOT NULL
            """, new { id }, cancellationToken: ct));
    }

    /// <summary>Records one attempt and counts it on the delivery.</summary>
    public async Task<int> RecordAttemptAsync(Guid id, string instanceId, DateTimeOffset startedAt, TimeSpan duration, PartnerResponse response,
        CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        return await conn.ExecuteScalarAsync<int>(new CommandDefinition(
            """
            WITH attempt AS (
                INSERT INTO impact.impact_delivery_attempts
                    (delivery_id, attempt, instance_id, started_at, duration_ms, status_code, outcome, error, response_excerpt)
                SELECT @id, coalesce(max(attempt), 0) + 1, @instanceId, @startedAt, @durationMs, @statusCode, @outcome, @error, @excerpt
                FROM impact.impact_delivery_attempts WHERE delivery_id = @id
                RETURNING attempt
            ), counted AS (
                UPDATE impact.impact_deliveries
                SET attempt_count = attempt_count + 1, last_error = @error, updated_at = clock_timestamp()
                WHERE id = @id
            )
            SELECT attempt FROM attempt
            """,
            new
            {
                id, instanceId, startedAt = startedAt.UtcDateTime, durationMs = (int)Math.Round(duration.TotalMilliseconds),
                statusCode = response.StatusCode, outcome = AttemptOutcomeNames.Of(response.Outcome), error = response.Error, excerpt = response.ResponseExcerpt,
            }, cancellationToken: ct));
    }

    /// <summary>
    /// Records the final status on the delivery and its schedule, and appends
    /// <c>impact.delivery.succeeded</c> or <c>impact.delivery.failed</c>, in one transaction.
    /// </summary>
    public async Task CompleteAsync(Guid id, string instanceId, bool succeeded, string? error, CancellationToken ct = default)
    {
        var status = succeeded ? DeliveryStatus.Succeeded : DeliveryStatus.Failed;
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var row = await conn.QuerySingleOrDefaultAsync<Delivery>(new CommandDefinition(
            $"""
            UPDATE impact.impact_deliveries
            SET status = @status, last_error = @error, completed_at = clock_timestamp(), updated_at = clock_timestamp()
            WHERE id = @id AND instance_id = @instanceId
            RETURNING {Columns}
            """, new { id, instanceId, status, error = succeeded ? null : error }, tx, cancellationToken: ct));
        if (row is null)
        {
            return;
        }

        await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE impact.scheduled_deliveries SET last_status = @status, last_error = @error, updated_at = clock_timestamp()
            WHERE id = @scheduleId
            """, new { scheduleId = row.ScheduleId, status, error = succeeded ? null : error }, tx, cancellationToken: ct));
        await EventLog.AppendAsync(conn, tx, succeeded ? EventTypes.ImpactDeliverySucceeded : EventTypes.ImpactDeliveryFailed, row.CompanyId,
            new
            {
                deliveryId = row.Id, scheduleId = row.ScheduleId, platform = row.Platform, periodStart = row.PeriodStart,
                periodEnd = row.PeriodEnd, attempts = row.AttemptCount, error = row.LastError,
            }, row.Id.ToString(), ct);
        await tx.CommitAsync(ct);
        ImpactTelemetry.ImpactInDeliveries.Add(1, new KeyValuePair<string, object?>("platform", row.Platform), new KeyValuePair<string, object?>("status", status));
    }

    /// <summary>One delivery the caller may see, with its payload and attempts; 404 when there is none (or it is another company's).</summary>
    public async Task<DeliveryDetail> GetAsync(Guid id, Caller caller, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        using var grid = await conn.QueryMultipleAsync(new CommandDefinition(
            $"""
            SELECT {Columns} FROM impact.impact_deliveries WHERE id = @id AND (@scope::uuid IS NULL OR company_id = @scope);
            SELECT payload FROM impact.impact_deliveries WHERE id = @id AND (@scope::uuid IS NULL OR company_id = @scope);
            SELECT a.attempt AS Attempt, a.instance_id AS InstanceId, a.started_at AS StartedAt, a.duration_ms AS DurationMs,
                   a.status_code AS StatusCode, a.outcome AS Outcome, a.error AS Error, a.response_excerpt AS ResponseExcerpt
            FROM impact.impact_delivery_attempts a
            JOIN impact.impact_deliveries d ON d.id = a.delivery_id
            WHERE a.delivery_id = @id AND (@scope::uuid IS NULL OR d.company_id = @scope)
            ORDER BY a.attempt;
            """, new { id, scope = caller.ScopeCompany() }, cancellationToken: ct));
        var delivery = await grid.ReadSingleOrDefaultAsync<Delivery>() ?? throw NotFound(id);

        var payload = await grid.ReadSingleAsync<string?>();
        var attempts = (await grid.ReadAsync<DeliveryAttempt>()).AsList();
        return new DeliveryDetail(delivery, payload is null ? null : JsonDocument.Parse(payload).RootElement.Clone(), attempts);
    }

    /// <summary>
    /// One page of the deliveries the caller may see, newest first, with the number matching over all pages.
    /// A company filter naming another company than the caller's finds nothing.
    /// </summary>
    public async Task<DeliveryPage> ListAsync(DeliveryFilter f, Caller caller, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        // One row per delivery of the page, or a single row without one (Id null) when the page is empty,
        // so the total comes back either way.
        var rows = (await conn.QueryAsync<long, Delivery?, (long Total, Delivery? Delivery)>(new CommandDefinition(
            $"""
            WITH matching AS (
                SELECT {Columns}
                FROM impact.impact_deliveries
                WHERE (@scope::uuid IS NULL OR company_id = @scope)
                  AND (@companyId::uuid IS NULL OR company_id = @companyId)
                  AND (@platform::text IS NULL OR platform = @platform)
                  AND (@status::text IS NULL OR status = @status)
                  AND (@from::timestamptz IS NULL OR created_at >= @from)
                  AND (@to::timestamptz IS NULL OR created_at < @to)
            )
            SELECT total.n AS Total, page.*
            FROM (SELECT count(*) AS n FROM matching) total
            LEFT JOIN LATERAL (
                SELECT * FROM matching ORDER BY createdat DESC, id DESC LIMIT @limit OFFSET @offset
            ) page ON true
            ORDER BY page.createdat DESC, page.id DESC
            """,
            new
            {
                scope = caller.ScopeCompany(), companyId = f.CompanyId, platform = f.Platform, status = f.Status, from = f.From?.UtcDateTime, to = f.To?.UtcDateTime,
                limit = f.Limit, offset = (f.Page - 1) * f.Limit,
            }, cancellationToken: ct), (total, delivery) => (total, delivery), splitOn: "Id")).AsList();
        return new DeliveryPage(rows.Where(r => r.Delivery is not null).Select(r => r.Delivery!).ToList(), f.Page, f.Limit, rows[0].Total);
    }

    /// <summary>
    /// Sets failed deliveries the caller may see back to pending under a new orchestration instance id, keeping
    /// payload and idempotency key, and notes each replay in the audit log as <paramref name="caller"/>. Others
    /// are reported, not touched; another company's delivery is reported as not found.
    /// </summary>
    public async Task<IReadOnlyList<ReplayResult>> ReplayAsync(IReadOnlyList<Guid> ids, Caller caller, CancellationToken ct = default)
    {
        var distinct = ids.Distinct().ToArray();
        var scope = caller.ScopeCompany();
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        var queued = (await ReplayFailedAsync(conn, distinct, scope, null, caller, ct)).ToDictionary(d => d.DeliveryId);
        var statuses = (await conn.QueryAsync<(Guid Id, string Status)>(new CommandDefinition(
            """
            SELECT id, status FROM impact.impact_deliveries
            WHERE id = ANY(@ids) AND (@scope::uuid IS NULL OR company_id = @scope)
            """, new { ids = distinct, scope }, cancellationToken: ct)))
            .ToDictionary(r => r.Id, r => r.Status);
        return distinct.Select(id =>
            queued.TryGetValue(id, out var q) ? new ReplayResult(id, ReplayOutcome.Queued, q.InstanceId, null)
            : statuses.TryGetValue(id, out var status) ? new ReplayResult(id, ReplayOutcome.NotFailed, null, status)
            : new ReplayResult(id, ReplayOutcome.NotFound, null, null)).ToList();
    }

    /// <summary>
    /// Replays one failed delivery as <see cref="ReplayAsync"/> does; 404 when there is no such delivery the
    /// caller may see, 409 when it is not failed.
    /// </summary>
    public async Task<ReplayResult> ReplayOneAsync(Guid id, Caller caller, CancellationToken ct = default)
    {
        var result = (await ReplayAsync([id], caller, ct)).Single();
        return result.Result switch
        {
            ReplayOutcome.NotFound => throw NotFound(id),
            ReplayOutcome.NotFailed => throw new ProblemException(HttpStatusCode.Conflict, "Only failed deliveries can be replayed",
                $"Delivery {id} is {result.Status}; only a failed delivery can be replayed."),
            _ => result,
        };
    }

    /// <summary>
    /// Replays every failed delivery the caller may see (optionally of one company and/or platform; an operator
    /// names any company, anyone else only its own), at most 1,000 per call, oldest first.
    /// </summary>
    public async Task<IReadOnlyList<DeliveryStart>> ReplayAllFailedAsync(Guid? companyId, string? platform, Caller caller, CancellationToken ct = default)
    {
        var scope = caller.ScopeCompany(companyId);
        if (companyId is { } asked && scope != asked)
        {
            return [];
        }

        await using var conn = await dataSource.OpenConnectionAsync(ct);
        return await ReplayFailedAsync(conn, null, scope, platform, caller, ct);
    }

    // One statement, so the replays and their audit rows commit together. The audit insert is the set form of
    // AuditLog.AppendAsync (same columns), so a replay of 1,000 deliveries stays one round trip.
    private async Task<IReadOnlyList<DeliveryStart>> ReplayFailedAsync(NpgsqlConnection conn, Guid[]? ids, Guid? companyId, string? platform,
        Caller caller, CancellationToken ct)
    {
        var now = time.GetUtcNow().UtcDateTime;
        return (await conn.QueryAsync<DeliveryStart>(new CommandDefinition(
            """
            WITH target AS (
                SELECT id FROM impact.impact_deliveries
                WHERE status = 'failed'
                  AND (@ids::uuid[] IS NULL OR id = ANY(@ids))
                  AND (@companyId::uuid IS NULL OR company_id = @companyId)
                  AND (@platform::text IS NULL OR platform = @platform)
                ORDER BY created_at
                LIMIT 1000
                FOR UPDATE SKIP LOCKED
            ), replayed AS (
                UPDATE impact.impact_deliveries d
                SET status = 'pending', replay_count = d.replay_count + 1,
                    instance_id = d.idempotency_key || '-replay-' || (d.replay_count + 1),
                    completed_at = NULL, start_requested_at = @now, updated_at = clock_timestamp()
                FROM target WHERE d.id = target.id
                RETURNING d.id, d.instance_id
            ), audited AS (
                INSERT INTO impact.audit_log (action, subject, details, performed_by, performer_name, company_id)
                SELECT @action, r.id::text, jsonb_build_object('instanceId', r.instance_id), @principal, @name, @callerCompanyId
                FROM replayed r
            )
            SELECT id AS DeliveryId, instance_id AS InstanceId FROM replayed
            """,
            new
            {
                ids, companyId, platform, now, action = ImpactInAudit.DeliveryReplayed, principal = caller.Principal,
                name = string.IsNullOrWhiteSpace(caller.Name) ? null : caller.Name, callerCompanyId = caller.CompanyId,
            }, cancellationToken: ct))).AsList();
    }

    /// <summary>
    /// Per platform: deliveries, success rate and mean attempts (every platform listed, also without deliveries),
    /// over the deliveries the caller may see: a company's own, or for an operator all or one company's.
    /// </summary>
    public async Task<IReadOnlyList<PlatformStats>> StatsAsync(Guid? companyId, Caller caller, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        var rows = (await conn.QueryAsync<StatsRow>(new CommandDefinition(
            """
            SELECT platform AS Platform, count(*)::int AS Count,
                   (count(*) FILTER (WHERE status = 'succeeded'))::int AS Succeeded,
                   (count(*) FILTER (WHERE status = 'failed'))::int AS Failed,
                   (count(*) FILTER (WHERE status IN ('pending', 'delivering')))::int AS InProgress,
                   (avg(attempt_count) FILTER (WHERE status IN ('succeeded', 'failed')))::float8 AS MeanAttempts
            FROM impact.impact_deliveries
            WHERE (@scope::uuid IS NULL OR company_id = @scope) AND (@companyId::uuid IS NULL OR company_id = @companyId)
            GROUP BY platform
            """, new { scope = caller.ScopeCompany(), companyId }, cancellationToken: ct))).ToDictionary(r => r.Platform);
        return Platforms.All.Select(p => rows.TryGetValue(p, out var r)
            ? new PlatformStats(p, r.Count, r.Succeeded, r.Failed, r.InProgress,
                r.Succeeded + r.Failed == 0 ? null : Math.Round((double)r.Succeeded / (r.Succeeded + r.Failed), 4),
                r.MeanAttempts is { } m ? Math.Round(m, 2) : null)
            : new PlatformStats(p, 0, 0, 0, 0, null, null)).ToList();
    }

    private static ProblemException NotFound(Guid id) => ProblemException.NotFound($"There is no Impact-In delivery with id {id}.");

    private sealed record PrepareRow(string Platform, Guid CompanyId, string? OrganizationId, string? ProgramId, string Period, DateOnly PeriodStart,
        string TimeZone, DateTime ScheduledFor, string? Payload, string IdempotencyKey);

    private sealed record StatsRow(string Platform, int Count, int Succeeded, int Failed, int InProgress, double? MeanAttempts);
}
