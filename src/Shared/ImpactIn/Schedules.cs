using System.Net;
using Dapper;
using Impact.Shared.Http;
using Npgsql;

namespace Impact.Shared.ImpactIn;

/// <summary>A row of <c>impact.scheduled_deliveries</c>, as the API returns it.</summary>
/// <param name="Id">Schedule id.</param>
/// <param name="CompanyId">The company reported on.</param>
/// <param name="Platform">The partner platform.</param>
/// <param name="Schedule">'monthly', 'quarterly' or the cron expression given.</param>
/// <param name="CronExpression">The cron expression in force.</param>
/// <param name="Period">'month' or 'quarter'.</param>
/// <param name="TimeZone">IANA time zone.</param>
/// <param name="OrganizationId">The partner's id for the company.</param>
/// <param name="ProgramId">The partner's programme id.</param>
/// <param name="NextRun">When it runs next (UTC).</param>
/// <param name="LastRun">When it last ran (UTC).</param>
/// <param name="LastStatus">Status of the last delivery.</param>
/// <param name="LastError">Error of the last delivery.</param>
/// <param name="Active">Whether the scheduler runs it.</param>
/// <param name="CreatedAt">Created.</param>
/// <param name="UpdatedAt">Last changed.</param>
public sealed record DeliverySchedule(Guid Id, Guid CompanyId, string Platform, string Schedule, string CronExpression, string Period, string TimeZone,
    string? OrganizationId, string? ProgramId, DateTime NextRun, DateTime? LastRun, string? LastStatus, string? LastError, bool Active,
    DateTime CreatedAt, DateTime UpdatedAt)
{
    /// <summary>The period kind.</summary>
    public PeriodKind PeriodKind => Period == "quarter" ? ImpactIn.PeriodKind.Quarter : ImpactIn.PeriodKind.Month;

    /// <summary>The subject of the run due at <see cref="NextRun"/>.</summary>
    public DeliverySubject NextSubject() => SubjectFor(new DateTimeOffset(NextRun, TimeSpan.Zero));

    /// <summary>The subject of a run at <paramref name="runAt"/>: the complete period before it, locally.</summary>
    public DeliverySubject SubjectFor(DateTimeOffset runAt) =>
        new(Platform, CompanyId, OrganizationId, ProgramId, ReportingPeriod.Previous(runAt, ScheduleSpec.FindZone(TimeZone)!, PeriodKind), runAt);

    /// <summary>The idempotency key (and first orchestration instance id) of this schedule's delivery for a period.</summary>
    public string DeliveryKey(ReportingPeriod period) => DeliveryKeys.For(Id, period);
}

/// <summary>Deterministic names of a schedule's delivery for one period.</summary>
public static class DeliveryKeys
{
    /// <summary><c>impactin-{schedule}-{month|quarter}-{yyyyMMdd}</c>: the same for every timer, instance and replay.</summary>
    public static string For(Guid scheduleId, ReportingPeriod period) =>
        $"impactin-{scheduleId:N}-{(period.Kind == PeriodKind.Month ? "month" : "quarter")}-{period.Start.ToString("yyyyMMdd", System.Globalization.CultureInfo.InvariantCulture)}";
}

/// <summary>Fields of a new schedule.</summary>
/// <param name="CompanyId">The company.</param>
/// <param name="Platform">benevity, goodera or workday.</param>
/// <param name="Spec">The validated schedule.</param>
/// <param name="OrganizationId">The partner's id for the company.</param>
/// <param name="ProgramId">The partner's programme id.</param>
/// <param name="Active">Whether the scheduler runs it.</param>
public sealed record NewSchedule(Guid CompanyId, string Platform, ScheduleSpec Spec, string? OrganizationId, string? ProgramId, bool Active);

/// <summary>SQL of the schedules API.</summary>
public sealed class ScheduleStore(NpgsqlDataSource dataSource, TimeProvider time)
{
    private const string Columns = """
        id AS Id, company_id AS CompanyId, platform AS Platform, schedule AS Schedule, cron_expression AS CronExpression,
        period_kind AS Period, time_zone AS TimeZone, organization_id AS OrganizationId, program_id AS ProgramId,
        next_run AS NextRun, last_run AS LastRun, last_status AS LastStatus, last_error AS LastError, active AS Active,
        created_at AS CreatedAt, updated_at AS UpdatedAt
        """;

    /// <summary>Creates a schedule; 404 for an unknown company, 409 when the company already has one for the platform.</summary>
    public async Task<DeliverySchedule> CreateAsync(NewSchedule s, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        var companyExists = await conn.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM impact.companies WHERE id = @CompanyId)", s, cancellationToken: ct));
        if (!companyExists)
        {
            throw ProblemException.NotFound($"There is no company with id {s.CompanyId}.");
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
                period = PeriodName(s.Spec.Period), zone = s.Spec.TimeZone, organizationId = s.OrganizationId, programId = s.ProgramId,
                nextRun = s.Spec.NextRun(time.GetUtcNow()).UtcDateTime, active = s.Active,
            }, cancellationToken: ct));
        return row ?? throw new ProblemException(HttpStatusCode.Conflict, "Schedule already exists",
            $"Company {s.CompanyId} already has a {s.Platform} schedule; change it with PATCH instead.");
    }

    /// <summary>One schedule, or null.</summary>
    public async Task<DeliverySchedule?> GetAsync(Guid id, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        return await conn.QuerySingleOrDefaultAsync<DeliverySchedule>(new CommandDefinition(
            $"SELECT {Columns} FROM impact.scheduled_deliveries WHERE id = @id", new { id }, cancellationToken: ct));
    }

    /// <summary>Schedules, optionally of one company and/or platform, oldest first.</summary>
    public async Task<IReadOnlyList<DeliverySchedule>> ListAsync(Guid? companyId, string? platform, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        var rows = await conn.QueryAsync<DeliverySchedule>(new CommandDefinition(
            $"""
            SELECT {Columns} FROM impact.scheduled_deliveries
            WHERE (@companyId::uuid IS NULL OR company_id = @companyId) AND (@platform::text IS NULL OR platform = @platform)
            ORDER BY created_at, id
            LIMIT 1000
            """, new { companyId, platform }, cancellationToken: ct));
        return rows.AsList();
    }

    /// <summary>
    /// Changes a schedule. A new schedule, period or time zone, or re-activation, recomputes
    /// <c>next_run</c> from now. Null arguments keep the current value.
    /// </summary>
    public async Task<DeliverySchedule?> UpdateAsync(Guid id, Func<DeliverySchedule, (ScheduleSpec Spec, string? OrganizationId, string? ProgramId, bool Active)> change,
        CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var current = await conn.QuerySingleOrDefaultAsync<DeliverySchedule>(new CommandDefinition(
            $"SELECT {Columns} FROM impact.scheduled_deliveries WHERE id = @id FOR UPDATE", new { id }, tx, cancellationToken: ct));
        if (current is null)
        {
            return null;
        }

        var (spec, organizationId, programId, active) = change(current);
        var recompute = spec.CronExpression != current.CronExpression || spec.TimeZone != current.TimeZone
            || PeriodName(spec.Period) != current.Period || (active && !current.Active);
        var updated = await conn.QuerySingleAsync<DeliverySchedule>(new CommandDefinition(
            $"""
            UPDATE impact.scheduled_deliveries
            SET schedule = @schedule, cron_expression = @cron, period_kind = @period, time_zone = @zone,
                organization_id = @organizationId, program_id = @programId, active = @active,
                next_run = @nextRun, updated_at = now()
            WHERE id = @id
            RETURNING {Columns}
            """,
            new
            {
                id, schedule = spec.Schedule, cron = spec.CronExpression, period = PeriodName(spec.Period), zone = spec.TimeZone,
                organizationId, programId, active,
                nextRun = recompute ? spec.NextRun(time.GetUtcNow()).UtcDateTime : current.NextRun,
            }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return updated;
    }

    /// <summary>Deletes a schedule; its deliveries stay (without the link). False when it did not exist.</summary>
    public async Task<bool> DeleteAsync(Guid id, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        return await conn.ExecuteAsync(new CommandDefinition(
            "DELETE FROM impact.scheduled_deliveries WHERE id = @id", new { id }, cancellationToken: ct)) > 0;
    }

    /// <summary>The stored name of a period kind.</summary>
    public static string PeriodName(PeriodKind kind) => kind == PeriodKind.Quarter ? "quarter" : "month";
}
