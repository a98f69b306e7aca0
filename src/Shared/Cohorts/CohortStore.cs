using System.Net;
using Dapper;
using Impact.Shared.Http;
using Impact.Shared.Security;
using Npgsql;

namespace Impact.Shared.Cohorts;

/// <summary>
/// <c>impact.cohorts</c>: a company's cohorts. A company administrator sees and changes its own company's (another
/// company's cohort is a 404, as an unknown one is); an operator any company's. A new or changed cohort is marked for
/// rebuilding: the refresher recomputes its members and metrics. Every change is audited.
/// </summary>
public sealed class CohortStore(NpgsqlDataSource db)
{
    /// <summary>The longest cohort name.</summary>
    public const int MaxNameLength = 200;

    /// <summary>The cohorts the caller may see (an operator: of <paramref name="companyId"/>, or all), oldest first.</summary>
    public async Task<IReadOnlyList<CohortView>> ListAsync(Caller caller, Guid? companyId, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = await conn.QueryAsync<Row>(new CommandDefinition(
            """
            SELECT id, company_id, name, session_type, language, cefr_at_start, first_session_from, first_session_to, role, member_count, rebuild_requested_at IS NOT NULL AS rebuilding, metrics_refreshed_at, created_at, updated_at
            FROM impact.cohorts
            WHERE (@scope::uuid IS NULL OR company_id = @scope) AND (@companyId::uuid IS NULL OR company_id = @companyId)
            ORDER BY created_at, id
            """, new { scope = caller.ScopeCompany(), companyId }, cancellationToken: ct));
        return [.. rows.Select(View)];
    }

    /// <summary>One cohort; 404 when it does not exist or belongs to another company.</summary>
    public async Task<CohortView> GetAsync(Guid id, Caller caller, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        return await FindAsync(conn, null, id, caller, ct) ?? throw NotFound(id);
    }

    /// <summary>The cohorts <paramref name="ids"/>, in that order; 404 naming the first that the caller cannot see.</summary>
    public async Task<IReadOnlyList<CohortView>> GetManyAsync(IReadOnlyList<Guid> ids, Caller caller, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        var rows = (await conn.QueryAsync<Row>(new CommandDefinition(
            """
            SELECT id, company_id, name, session_type, language, cefr_at_start, first_session_from, first_session_to, role, member_count, rebuild_requested_at IS NOT NULL AS rebuilding, metrics_refreshed_at, created_at, updated_at
            FROM impact.cohorts WHERE id = ANY(@ids) AND (@scope::uuid IS NULL OR company_id = @scope)
            """,
            new { ids = ids.ToArray(), scope = caller.ScopeCompany() }, cancellationToken: ct))).ToDictionary(r => r.id);
        return [.. ids.Select(id => rows.TryGetValue(id, out var r) ? View(r) : throw NotFound(id))];
    }

    /// <summary>Creates a cohort of <paramref name="companyId"/> (the caller's own company unless an operator); its members and metrics follow at the next refresh.</summary>
    public async Task<CohortView> CreateAsync(Guid companyId, NewCohort cohort, Caller caller, CancellationToken ct = default)
    {
        if (caller.ScopeCompany(companyId) != companyId)
        {
            throw ProblemException.NotFound($"There is no company with id '{companyId}'.");
        }

        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        if (!await conn.ExecuteScalarAsync<bool>(new CommandDefinition(
                "SELECT EXISTS (SELECT 1 FROM impact.companies WHERE id = @companyId)", new { companyId }, tx, cancellationToken: ct)))
        {
            throw ProblemException.NotFound($"There is no company with id '{companyId}'.");
        }

        var f = cohort.Filters;
        var id = await conn.ExecuteScalarAsync<Guid>(new CommandDefinition(
            """
            INSERT INTO impact.cohorts (company_id, name, session_type, language, cefr_at_start, first_session_from, first_session_to, role)
            VALUES (@companyId, @Name, @SessionType, @Language, @cefr, @from::date, @to::date, @Role)
            RETURNING id
            """, new
            {
                companyId, cohort.Name, f.SessionType, f.Language, cefr = f.CefrAtStart?.ToArray(),
                from = cohort.FirstSessionFrom?.ToDateTime(TimeOnly.MinValue), to = cohort.FirstSessionTo?.ToDateTime(TimeOnly.MinValue), f.Role,
            }, tx, cancellationToken: ct));
        await AuditLog.AppendAsync(conn, tx, caller, "cohort.created", $"cohort:{id}", new { cohortId = id, companyId, filters = f }, ct);
        var view = await FindAsync(conn, tx, id, caller, ct);
        await tx.CommitAsync(ct);
        return view!;
    }

    /// <summary>
    /// Changes a cohort: <paramref name="change"/> gets the current state and returns the new one. A change of the
    /// filters marks the cohort for rebuilding; a rename changes no numbers.
    /// </summary>
    public async Task<CohortView> UpdateAsync(Guid id, Caller caller, Func<CohortView, NewCohort> change, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var current = await FindAsync(conn, tx, id, caller, ct, forUpdate: true) ?? throw NotFound(id);
        var next = change(current);
        var f = next.Filters;
        var filtersChanged = !SameFilters(current.Filters, f);
        await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE impact.cohorts
            SET name = @Name, session_type = @SessionType, language = @Language, cefr_at_start = @cefr,
                first_session_from = @from::date, first_session_to = @to::date, role = @Role, updated_at = clock_timestamp(),
                rebuild_requested_at = CASE WHEN @filtersChanged THEN clock_timestamp() ELSE rebuild_requested_at END
            WHERE id = @id
            """, new
            {
                id, next.Name, f.SessionType, f.Language, cefr = f.CefrAtStart?.ToArray(),
                from = next.FirstSessionFrom?.ToDateTime(TimeOnly.MinValue), to = next.FirstSessionTo?.ToDateTime(TimeOnly.MinValue), f.Role,
                filtersChanged,
            }, tx, cancellationToken: ct));
        await AuditLog.AppendAsync(conn, tx, caller, "cohort.updated", $"cohort:{id}",
            new { cohortId = id, renamed = current.Name != next.Name, filtersChanged, filters = f }, ct);
        var view = await FindAsync(conn, tx, id, caller, ct);
        await tx.CommitAsync(ct);
        return view!;
    }

    /// <summary>Deletes a cohort with its members and metrics; 404 when the caller cannot see it.</summary>
    public async Task DeleteAsync(Guid id, Caller caller, CancellationToken ct = default)
    {
        await using var conn = await db.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var deleted = await conn.ExecuteAsync(new CommandDefinition(
            "DELETE FROM impact.cohorts WHERE id = @id AND (@scope::uuid IS NULL OR company_id = @scope)",
            new { id, scope = caller.ScopeCompany() }, tx, cancellationToken: ct));
        if (deleted == 0)
        {
            throw NotFound(id);
        }

        await AuditLog.AppendAsync(conn, tx, caller, "cohort.deleted", $"cohort:{id}", new { cohortId = id }, ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>The 404 of a cohort the caller cannot see.</summary>
    public static ProblemException NotFound(Guid id) => new(HttpStatusCode.NotFound, "Not found", $"There is no cohort with id '{id}'.");

    private static bool SameFilters(CohortFilters a, CohortFilters b) =>
        a.SessionType == b.SessionType && a.Language == b.Language && a.Role == b.Role && a.FirstSessionFrom == b.FirstSessionFrom &&
        a.FirstSessionTo == b.FirstSessionTo && (a.CefrAtStart ?? []).SequenceEqual(b.CefrAtStart ?? []) && (a.CefrAtStart is null) == (b.CefrAtStart is null);

    private static async Task<CohortView?> FindAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, Guid id, Caller caller, CancellationToken ct,
        bool forUpdate = false)
    {
        var row = await conn.QuerySingleOrDefaultAsync<Row>(new CommandDefinition(
            forUpdate
                ? """
                  SELECT id, company_id, name, session_type, language, cefr_at_start, first_session_from, first_session_to, role, member_count, rebuild_requested_at IS NOT NULL AS rebuilding, metrics_refreshed_at, created_at, updated_at
                  FROM impact.cohorts WHERE id = @id AND (@scope::uuid IS NULL OR company_id = @scope) FOR NO KEY UPDATE
                  """
                : """
                  SELECT id, company_id, name, session_type, language, cefr_at_start, first_session_from, first_session_to, role, member_count, rebuild_requested_at IS NOT NULL AS rebuilding, metrics_refreshed_at, created_at, updated_at
                  FROM impact.cohorts WHERE id = @id AND (@scope::uuid IS NULL OR company_id = @scope)
                  """,
            new { id, scope = caller.ScopeCompany() }, tx, cancellationToken: ct));
        return row is null ? null : View(row);
    }

    private static CohortView View(Row r) => new(r.id, r.company_id, r.name,
        CohortFilters.FromColumns(r.session_type, r.language, r.cefr_at_start, r.first_session_from, r.first_session_to, r.role),
        r.member_count, r.rebuilding, Utc(r.metrics_refreshed_at), Utc(r.created_at)!.Value, Utc(r.updated_at)!.Value);

    private static DateTimeOffset? Utc(DateTime? t) => t is null ? null : new DateTimeOffset(DateTime.SpecifyKind(t.Value, DateTimeKind.Utc));

    // A class, not a positional record: Dapper matches constructors by exact column type, and text[] comes as Array.
    private sealed class Row
    {
        public Guid id { get; set; }
        public Guid company_id { get; set; }
        public string name { get; set; } = "";
        public string? session_type { get; set; }
        public string? language { get; set; }
        public string[]? cefr_at_start { get; set; }
        public DateOnly? first_session_from { get; set; }
        public DateOnly? first_session_to { get; set; }
        public string? role { get; set; }
        public int member_count { get; set; }
        public bool rebuilding { get; set; }
        public DateTime? metrics_refreshed_at { get; set; }
        public DateTime created_at { get; set; }
        public DateTime updated_at { get; set; }
    }
}
