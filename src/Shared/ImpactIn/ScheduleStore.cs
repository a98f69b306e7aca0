using System.Net;
using System.Text.Json;
using Dapper;
using Impact.Shared.Http;
using Impact.Shared.Security;
using Npgsql;

namespace Impact.Shared.ImpactIn;

/// <summary>
/// SQL of the schedules API. Every method is scoped to the caller's company (an operator's to all
/// companies): another company's schedule answers exactly as an unknown id does. Changes write an audit
/// row naming the caller in the same transaction.
/// </summary>
public sealed class ScheduleStore(NpgsqlDataSource dataSource, TimeProvider time)
{
    // The columns of a DeliverySchedule; the scheduler's claim (DeliveryStore.ClaimDueAsync) selects them too.
    internal const string Columns = """
        id AS Id, company_id AS CompanyId, platform AS Platform, schedule AS Schedule, cron_expression AS CronExpression,
        period_kind AS Period, time_zone AS TimeZone, organization_id AS OrganizationId, program_id AS ProgramId,
        next_run AS NextRun, last_run AS LastRun, last_status AS LastStatus, last_error AS LastError, active AS Active,
        created_at AS CreatedAt, updated_at AS UpdatedAt
        """;

    /// <summary>
    /// Creates a schedule for <paramref name="caller"/>; 404 for an unknown company or one the caller does not
    /// act for (the same answer), 409 when the company already has one for the platform.
    /// </summary>
    public async Task<DeliverySchedule> CreateAsync(NewSchedule s, Caller caller, CancellationToken ct = default)
    {
        if (caller.ScopeCompany(s.CompanyId) != s.CompanyId)
        {
            throw UnknownCompany(s.CompanyId);
        }

        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var companyExists = await conn.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM impact.companies WHERE id = @CompanyId)", s, tx, cancellationToken: ct));
        if (!companyExists)
        {
            throw UnknownCompany(s.CompanyId);
        }

        var row = await conn.QuerySingleOrDefaultAsync<DeliverySchedule>(new CommandDefinition(
            $"""
            INSERT INTO impact.scheduled_deliveries
                (company_id, platform, schedule, cron_expression, period_kind, time_zone, organization_id, program_id, next_run, active)
            VALUES (@companyId, @platform, @schedule, @cron, @period, @zone, @organizationId, @programId, @nextRun, @active)
            ON CONFLICT (company_id, platform) DO NOTHING
            RETURNING {Columns}
            """,
            new
            {
                companyId = s.CompanyId, platform = s.Platform, schedule = s.Spec.Schedule, cron = s.Spec.CronExpression,
                period = PeriodNames.Of(s.Spec.Period), zone = s.Spec.TimeZone, organizationId = s.OrganizationId, programId = s.ProgramId,
                nextRun = s.Spec.NextRun(time.GetUtcNow()).UtcDateTime, active = s.Active,
            }, tx, cancellationToken: ct))
            ?? throw new ProblemException(HttpStatusCode.Conflict, "Schedule already exists",
                $"Company {s.CompanyId} already has a {s.Platform} schedule; change it with PATCH instead.");
        await AuditLog.AppendAsync(conn, tx, caller, ImpactInAudit.ScheduleCreated, row.Id.ToString(), Details(row), ct);
        await tx.CommitAsync(ct);
        return row;
    }

    /// <summary>One schedule the caller may see; 404 when there is none (or it is another company's).</summary>
    public async Task<DeliverySchedule> GetAsync(Guid id, Caller caller, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        return await GetAsync(conn, id, caller.ScopeCompany(), ct);
    }

    /// <summary>
    /// The payload the schedule's next run would send, from the data as it is now; 404 when there is no
    /// such schedule the caller may see. Nothing is sent or stored.
    /// </summary>
    public async Task<SchedulePreview> PreviewAsync(Guid id, Caller caller, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        var schedule = await GetAsync(conn, id, caller.ScopeCompany(), ct);
        var subject = schedule.NextSubject();
        using var payload = JsonDocument.Parse(await ImpactPayloads.BuildAsync(conn, subject, ct));
        return new SchedulePreview(schedule.Id, schedule.Platform, subject.ScheduledFor,
            SchedulePreviewPeriod.Of(subject.Period, schedule.TimeZone), schedule.DeliveryKey(subject.Period), payload.RootElement.Clone());
    }

    /// <summary>
    /// The schedules the caller may see, optionally of one company and/or platform, oldest first. A company
    /// filter naming another company than the caller's finds nothing.
    /// </summary>
    public async Task<IReadOnlyList<DeliverySchedule>> ListAsync(Caller caller, Guid? companyId, string? platform, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        var rows = await conn.QueryAsync<DeliverySchedule>(new CommandDefinition(
            $"""
            SELECT {Columns} FROM impact.scheduled_deliveries
            WHERE (@scope::uuid IS NULL OR company_id = @scope)
              AND (@companyId::uuid IS NULL OR company_id = @companyId)
              AND (@platform::text IS NULL OR platform = @platform)
            ORDER BY created_at, id
            LIMIT 1000
            """, new { scope = caller.ScopeCompany(), companyId, platform }, cancellationToken: ct));
        return rows.AsList();
    }

    /// <summary>
    /// Changes a schedule (404 when there is none the caller may see). A new schedule, period or time zone, or
    /// re-activation, recomputes <c>next_run</c> from now. <paramref name="change"/> gets the current row and
    /// returns the new values. Audited as <paramref name="caller"/>.
    /// </summary>
    public async Task<DeliverySchedule> UpdateAsync(Guid id, Caller caller,
        Func<DeliverySchedule, (ScheduleSpec Spec, string? OrganizationId, string? ProgramId, bool Active)> change, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var current = await conn.QuerySingleOrDefaultAsync<DeliverySchedule>(new CommandDefinition(
            $"""
            SELECT {Columns} FROM impact.scheduled_deliveries
            WHERE id = @id AND (@scope::uuid IS NULL OR company_id = @scope)
            FOR UPDATE
            """, new { id, scope = caller.ScopeCompany() }, tx, cancellationToken: ct));
        if (current is null)
        {
            throw NotFound(id);
        }

        var (spec, organizationId, programId, active) = change(current);
        var recompute = spec.CronExpression != current.CronExpression || spec.TimeZone != current.TimeZone
            || PeriodNames.Of(spec.Period) != current.Period || (active && !current.Active);
        var updated = await conn.QuerySingleAsync<DeliverySchedule>(new CommandDefinition(
            $"""
            UPDATE impact.scheduled_deliveries
            SET schedule = @schedule, cron_expression = @cron, period_kind = @period, time_zone = @zone,
                organization_id = @organizationId, program_id = @programId, active = @active,
                next_run = @nextRun, updated_at = clock_timestamp()
            WHERE id = @id
            RETURNING {Columns}
            """,
            new
            {
                id, schedule = spec.Schedule, cron = spec.CronExpression, period = PeriodNames.Of(spec.Period), zone = spec.TimeZone,
                organizationId, programId, active,
                nextRun = recompute ? spec.NextRun(time.GetUtcNow()).UtcDateTime : current.NextRun,
            }, tx, cancellationToken: ct));
        await AuditLog.AppendAsync(conn, tx, caller, ImpactInAudit.ScheduleUpdated, id.ToString(), Details(updated), ct);
        await tx.CommitAsync(ct);
        return updated;
    }

    /// <summary>
    /// Deletes a schedule; its deliveries stay (without the link). 404 when there is none the caller may see.
    /// Audited as <paramref name="caller"/>.
    /// </summary>
    public async Task DeleteAsync(Guid id, Caller caller, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var deleted = await conn.QuerySingleOrDefaultAsync<DeliverySchedule>(new CommandDefinition(
            $"""
            DELETE FROM impact.scheduled_deliveries
            WHERE id = @id AND (@scope::uuid IS NULL OR company_id = @scope)
            RETURNING {Columns}
            """, new { id, scope = caller.ScopeCompany() }, tx, cancellationToken: ct))
            ?? throw NotFound(id);
        await AuditLog.AppendAsync(conn, tx, caller, ImpactInAudit.ScheduleDeleted, id.ToString(), Details(deleted), ct);
        await tx.CommitAsync(ct);
    }

    private static async Task<DeliverySchedule> GetAsync(NpgsqlConnection conn, Guid id, Guid? scope, CancellationToken ct) =>
        await conn.QuerySingleOrDefaultAsync<DeliverySchedule>(new CommandDefinition(
            $"""
            SELECT {Columns} FROM impact.scheduled_deliveries
            WHERE id = @id AND (@scope::uuid IS NULL OR company_id = @scope)
            """, new { id, scope }, cancellationToken: ct))
        ?? throw NotFound(id);

    // What an audit row says about a schedule: settings and ids, nothing personal.
    private static object Details(DeliverySchedule s) => new
    {
        companyId = s.CompanyId, platform = s.Platform, schedule = s.Schedule, period = s.Period, timeZone = s.TimeZone,
        organizationId = s.OrganizationId, programId = s.ProgramId, active = s.Active,
    };

    private static ProblemException UnknownCompany(Guid id) => ProblemException.NotFound($"There is no company with id {id}.");

    private static ProblemException NotFound(Guid id) => ProblemException.NotFound($"There is no Impact-In schedule with id {id}.");
}
