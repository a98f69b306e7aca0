using System.Net;
using System.Text.Json;
using Dapper;
using Impact.Shared.Http;
using Npgsql;

namespace Impact.Shared.Privacy;

/// <summary>A row of <c>impact.privacy_requests</c>.</summary>
/// <param name="Id">The request id, also the orchestration instance id.</param>
/// <param name="UserId">The person; NULL once the person has been erased.</param>
/// <param name="Type"><c>export</c> or <c>delete</c>.</param>
/// <param name="Status">pending, awaiting_approval, processing, completed, failed, rejected or expired.</param>
/// <param name="Progress">0–100.</param>
/// <param name="ResultLocation"><c>container/blob</c> of an export ZIP.</param>
/// <param name="Error">Why it failed.</param>
/// <param name="RequestedBy">The administrator who asked.</param>
/// <param name="ApprovedBy">The second administrator who approved an erasure.</param>
/// <param name="RejectedBy">The administrator who rejected an erasure.</param>
/// <param name="RequestedAt">When it was received.</param>
/// <param name="DueAt">Received + 1 month (GDPR Art. 12(3)).</param>
/// <param name="CompletedAt">When it reached a final status.</param>
public sealed record PrivacyRequest(Guid Id, Guid? UserId, string Type, string Status, int Progress, string? ResultLocation,
    string? Error, string RequestedBy, string? ApprovedBy, string? RejectedBy, DateTime RequestedAt, DateTime DueAt, DateTime? CompletedAt);

/// <summary>Request types.</summary>
public static class PrivacyRequestTypes
{
    /// <summary>DSAR export.</summary>
    public const string Export = "export";
    /// <summary>Erasure.</summary>
    public const string Delete = "delete";
}

/// <summary>The SQL of <c>impact.privacy_requests</c> and <c>impact.privacy_audit_log</c>.</summary>
public static class PrivacyRequests
{
    /// <summary>Who performs steps nobody triggered by hand (expiry).</summary>
    public const string System = "system";

    private const string Columns = """
        id, user_id AS UserId, type, status, progress::int AS progress, result_location AS ResultLocation, error,
        requested_by AS RequestedBy, approved_by AS ApprovedBy, rejected_by AS RejectedBy,
        requested_at AS RequestedAt, due_at AS DueAt, completed_at AS CompletedAt
        """;

    /// <summary>
    /// Records a new request and its first audit row. 404 when the person does not exist, 409 when an
    /// erasure for them is already open.
    /// </summary>
    public static async Task<PrivacyRequest> CreateAsync(NpgsqlDataSource dataSource, Guid id, Guid userId, string type,
        string status, string requestedBy, DateTimeOffset now, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var exists = await conn.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM impact.users WHERE id = @userId)", new { userId }, tx, cancellationToken: ct));
        if (!exists)
        {
            throw ProblemException.NotFound($"There is no user with id {userId}.");
        }

        if (type == PrivacyRequestTypes.Delete && await conn.ExecuteScalarAsync<Guid?>(new CommandDefinition(
                """
                SELECT id FROM impact.privacy_requests
                WHERE user_id = @userId AND type = 'delete' AND status IN ('pending', 'awaiting_approval', 'processing')
                """, new { userId }, tx, cancellationToken: ct)) is { } open)
        {
            throw OpenErasure(userId, $"request {open}");
        }

        PrivacyRequest request;
        try
        {
            request = await conn.QuerySingleAsync<PrivacyRequest>(new CommandDefinition(
                $"""
                INSERT INTO impact.privacy_requests (id, user_id, type, status, requested_by, requested_at, due_at)
                VALUES (@id, @userId, @type, @status, @requestedBy, @requestedAt, @dueAt)
                RETURNING {Columns}
                """,
                new { id, userId, type, status, requestedBy, requestedAt = now.UtcDateTime, dueAt = now.AddMonths(1).UtcDateTime },
                tx, cancellationToken: ct));
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && e.ConstraintName == "privacy_requests_open_delete_idx")
        {
            // Two requests raced past the check above; the unique index let one in.
            throw OpenErasure(userId, "an erasure request");
        }

        await AuditAsync(conn, tx, id, "requested", new { type }, requestedBy, ct);
        await tx.CommitAsync(ct);
        return request;
    }

    private static ProblemException OpenErasure(Guid userId, string which) =>
        new(HttpStatusCode.Conflict, "An erasure is already open",
            $"User {userId} already has {which} waiting for approval or running; approve or reject that one.");

    /// <summary>One request, or null.</summary>
    public static async Task<PrivacyRequest?> GetAsync(NpgsqlDataSource dataSource, Guid id, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        return await conn.QuerySingleOrDefaultAsync<PrivacyRequest>(new CommandDefinition(
            $"SELECT {Columns} FROM impact.privacy_requests WHERE id = @id", new { id }, cancellationToken: ct));
    }

    /// <summary>
    /// Records a second administrator's approval of an erasure: 404 when there is no such erasure, 403 when the
    /// approver is the requester, 409 when it is no longer waiting for approval.
    /// </summary>
    public static Task<PrivacyRequest> ApproveAsync(NpgsqlDataSource dataSource, Guid id, string approvedBy, CancellationToken ct = default) =>
        DecideAsync(dataSource, id, approvedBy, approve: true, ct);

    /// <summary>Records the rejection of an erasure: 404 when there is no such erasure, 409 when it is no longer waiting.</summary>
    public static Task<PrivacyRequest> RejectAsync(NpgsqlDataSource dataSource, Guid id, string rejectedBy, CancellationToken ct = default) =>
        DecideAsync(dataSource, id, rejectedBy, approve: false, ct);

    private static async Task<PrivacyRequest> DecideAsync(NpgsqlDataSource dataSource, Guid id, string by, bool approve, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        // The row lock orders an approval against a concurrent rejection or expiry: whoever is second sees the new status.
        var current = await conn.QuerySingleOrDefaultAsync<PrivacyRequest>(new CommandDefinition(
            $"SELECT {Columns} FROM impact.privacy_requests WHERE id = @id AND type = 'delete' FOR UPDATE", new { id }, tx, cancellationToken: ct))
            ?? throw ProblemException.NotFound($"There is no erasure request with id {id}.");

        if (current.Status != "awaiting_approval")
        {
            throw new ProblemException(HttpStatusCode.Conflict, "The erasure is not waiting for a decision",
                $"Erasure request {id} is {current.Status}; only a request that is awaiting_approval can be approved or rejected.");
        }

        if (approve && string.Equals(current.RequestedBy.Trim(), by.Trim(), StringComparison.OrdinalIgnoreCase))
        {
            throw new ProblemException(HttpStatusCode.Forbidden, "A second administrator must approve",
                $"{by} requested this erasure and cannot also approve it; another administrator has to.");
        }

        var updated = await conn.QuerySingleAsync<PrivacyRequest>(new CommandDefinition(
            approve
                ? $"""
                  UPDATE impact.privacy_requests SET status = 'processing', approved_by = @by, updated_at = now()
                  WHERE id = @id RETURNING {Columns}
                  """
                : $"""
                  UPDATE impact.privacy_requests SET status = 'rejected', rejected_by = @by, completed_at = now(), updated_at = now()
                  WHERE id = @id RETURNING {Columns}
                  """,
            new { id, by }, tx, cancellationToken: ct));
        await AuditAsync(conn, tx, id, approve ? "approved" : "rejected", null, by, ct);
        await tx.CommitAsync(ct);
        return updated;
    }

    /// <summary>
    /// Expires an erasure nobody decided on in time. Returns the status after the call: <c>expired</c>, or
    /// whatever a decision that got there first set (an approval that raced the timer still wins).
    /// </summary>
    public static async Task<string> ExpireAsync(NpgsqlDataSource dataSource, Guid id, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var expired = await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE impact.privacy_requests SET status = 'expired', completed_at = now(), updated_at = now()
            WHERE id = @id AND status = 'awaiting_approval'
            """, new { id }, tx, cancellationToken: ct));
        if (expired > 0)
        {
            await AuditAsync(conn, tx, id, "expired", null, System, ct);
        }

        var status = await conn.ExecuteScalarAsync<string>(new CommandDefinition(
            "SELECT status FROM impact.privacy_requests WHERE id = @id", new { id }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return status ?? "missing";
    }

    /// <summary>Marks a request failed (unless it already reached a final status) and audits why.</summary>
    public static async Task FailAsync(NpgsqlDataSource dataSource, Guid id, string error, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var failed = await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE impact.privacy_requests SET status = 'failed', error = @error, completed_at = now(), updated_at = now()
            WHERE id = @id AND status IN ('pending', 'awaiting_approval', 'processing')
            """, new { id, error }, tx, cancellationToken: ct));
        if (failed > 0)
        {
            await AuditAsync(conn, tx, id, "failed", new { error }, System, ct);
        }

        await tx.CommitAsync(ct);
    }

    /// <summary>Sets the progress of a running request.</summary>
    public static async Task SetProgressAsync(NpgsqlDataSource dataSource, Guid id, int progress, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(
            "UPDATE impact.privacy_requests SET progress = @progress, updated_at = now() WHERE id = @id AND status = 'processing'",
            new { id, progress = (short)Math.Clamp(progress, 0, 100) }, cancellationToken: ct));
    }

    /// <summary>Appends one row to <c>impact.privacy_audit_log</c> in the caller's transaction.</summary>
    public static Task AuditAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid requestId, string action, object? details,
        string performedBy, CancellationToken ct = default) =>
        conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO impact.privacy_audit_log (request_id, action, details, performed_by)
            VALUES (@requestId, @action, @details::jsonb, @performedBy)
            """,
            new { requestId, action, details = details is null ? null : JsonSerializer.Serialize(details, JsonDefaults.Web), performedBy },
            tx, cancellationToken: ct));
}
