using System.Net;
using Dapper;
using Impact.Shared.Events;
using Impact.Shared.Http;
using Impact.Shared.Security;
using Npgsql;

namespace Impact.Shared.Privacy;

/// <summary>
/// <c>impact.privacy_requests</c>: creating, deciding on, expiring, failing and completing requests, each change
/// with its <see cref="PrivacyAudit"/> row in the same transaction. The methods the API calls take the
/// <see cref="Caller"/>: they see only requests about people of the caller's company (another company's request or
/// person is the same 404 as an unknown id), write the caller's principal as who asked, approved or rejected, and
/// throw <see cref="ProblemException"/> (404, 403, 409) for what the caller can act on.
/// </summary>
public sealed class PrivacyRequestStore(NpgsqlDataSource dataSource, TimeProvider time)
{
    private const string Columns = """
        id, user_id AS UserId, type, status, progress::int AS progress, result_location AS ResultLocation, error,
        requested_by AS RequestedBy, approved_by AS ApprovedBy, rejected_by AS RejectedBy,
        requested_at AS RequestedAt, due_at AS DueAt, completed_at AS CompletedAt
        """;

    /// <summary>
    /// Records a new request by <paramref name="caller"/> (its principal is the requester) and its first audit row: an
    /// export starts <see cref="PrivacyRequestStatus.Pending"/>, an erasure <see cref="PrivacyRequestStatus.AwaitingApproval"/>.
    /// The request belongs to the person's company. 404 when the person does not exist or is not of the caller's company
    /// (the same answer, so nobody learns who exists elsewhere), 409 when an erasure for them is already open.
    /// </summary>
    public async Task<PrivacyRequest> CreateAsync(Guid id, Guid userId, string type, Caller caller, CancellationToken ct = default)
    {
        var companyId = CompanyOf(caller);
        var status = type == PrivacyRequestTypes.Delete ? PrivacyRequestStatus.AwaitingApproval : PrivacyRequestStatus.Pending;
        var now = time.GetUtcNow();
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var exists = await conn.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM impact.users WHERE id = @userId AND company_id = @companyId)",
            new { userId, companyId }, tx, cancellationToken: ct));
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
                INSERT INTO impact.privacy_requests (id, user_id, company_id, type, status, requested_by, requested_at, due_at)
                VALUES (@id, @userId, @companyId, @type, @status, @requestedBy, @requestedAt, @dueAt)
                RETURNING {Columns}
                """,
                new
                {
                    id, userId, companyId, type, status, requestedBy = caller.Principal,
                    requestedAt = now.UtcDateTime, dueAt = now.AddMonths(1).UtcDateTime,
                },
                tx, cancellationToken: ct));
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && e.ConstraintName == "privacy_requests_open_delete_idx")
        {
            // Two requests raced past the check above; the unique index let one in.
            throw OpenErasure(userId, "an erasure request");
        }

        await PrivacyAudit.AppendAsync(conn, tx, id, "requested", new { type }, caller.Principal, ct);
        await tx.CommitAsync(ct);
        return request;
    }

    private static ProblemException OpenErasure(Guid userId, string which) =>
        new(HttpStatusCode.Conflict, "An erasure is already open",
            $"User {userId} already has {which} waiting for approval or running; approve or reject that one.");

    /// <summary>One request about a person of <paramref name="caller"/>'s company; 404 when there is none.</summary>
    public async Task<PrivacyRequest> GetAsync(Guid id, Caller caller, CancellationToken ct = default)
    {
        var companyId = CompanyOf(caller);
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        return await conn.QuerySingleOrDefaultAsync<PrivacyRequest>(new CommandDefinition(
                $"SELECT {Columns} FROM impact.privacy_requests WHERE id = @id AND company_id = @companyId",
                new { id, companyId }, cancellationToken: ct))
            ?? throw ProblemException.NotFound($"There is no privacy request with id {id}.");
    }

    // Privacy requests are never cross-company: every role the privacy endpoints admit is company-scoped (an
    // operator role on the same token does not widen that), and the access policy already refused a token without a company.
    private static Guid CompanyOf(Caller caller) =>
        caller.CompanyId ?? throw new ProblemException(HttpStatusCode.Forbidden, "No company in the token",
            "Privacy requests are handled for one company, and the token names none: it needs the company claim.");

    /// <summary>One request, or null, whatever its company (for the orchestrations, never for an API caller).</summary>
    public async Task<PrivacyRequest?> FindAsync(Guid id, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        return await conn.QuerySingleOrDefaultAsync<PrivacyRequest>(new CommandDefinition(
            $"SELECT {Columns} FROM impact.privacy_requests WHERE id = @id", new { id }, cancellationToken: ct));
    }

    /// <summary>
    /// Records the approval of an erasure by <paramref name="approver"/>, a second privacy officer of the same company:
    /// 404 when there is no such erasure in the approver's company, 409 when it is no longer waiting for approval, 403
    /// when the approver is the requester (the same principal, whatever names a body carried) or is no privacy
    /// officer. A refused approval is itself audited, and that row is committed although the call fails.
    /// </summary>
    public Task<PrivacyRequest> ApproveAsync(Guid id, Caller approver, CancellationToken ct = default) =>
        DecideAsync(id, approver, approve: true, ct);

    /// <summary>
    /// Records the rejection of an erasure by <paramref name="rejecter"/>: 404 when there is no such erasure in the
    /// rejecter's company, 409 when it is no longer waiting.
    /// </summary>
    public Task<PrivacyRequest> RejectAsync(Guid id, Caller rejecter, CancellationToken ct = default) =>
        DecideAsync(id, rejecter, approve: false, ct);

    private async Task<PrivacyRequest> DecideAsync(Guid id, Caller caller, bool approve, CancellationToken ct)
    {
        var companyId = CompanyOf(caller);
        var by = caller.Principal;
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        // The row lock orders an approval against a concurrent rejection or expiry: whoever is second sees the new status.
        var current = await conn.QuerySingleOrDefaultAsync<PrivacyRequest>(new CommandDefinition(
            $"""
            SELECT {Columns} FROM impact.privacy_requests
            WHERE id = @id AND type = 'delete' AND company_id = @companyId
            FOR UPDATE
            """, new { id, companyId }, tx, cancellationToken: ct))
            ?? throw ProblemException.NotFound($"There is no erasure request with id {id}.");

        if (current.Status != PrivacyRequestStatus.AwaitingApproval)
        {
            throw new ProblemException(HttpStatusCode.Conflict, "The erasure is not waiting for a decision",
                $"Erasure request {id} is {current.Status}; only a request that is {PrivacyRequestStatus.AwaitingApproval} can be approved or rejected.");
        }

        // Four eyes by principals: the requester's own approval is refused, whatever a body said.
        var refusal = !approve ? null
            : string.Equals(current.RequestedBy, by, StringComparison.Ordinal) ? "requester"
            : !caller.HasRole(Roles.PrivacyOfficer) ? "not_privacy_officer"
            : null;
        if (refusal is not null)
        {
            // The attempt itself is on the record: committed before the 403.
            await PrivacyAudit.AppendAsync(conn, tx, id, "approval_refused", new { reason = refusal }, by, ct);
            await tx.CommitAsync(ct);
            throw new ProblemException(HttpStatusCode.Forbidden, "A second administrator must approve",
                refusal == "requester"
                    ? "You requested this erasure and cannot also approve it; another privacy officer of the company has to."
                    : $"Only a privacy officer ({Roles.PrivacyOfficer}) of the company can approve an erasure.");
        }

        var updated = await conn.QuerySingleAsync<PrivacyRequest>(new CommandDefinition(
            approve
                ? $"""
                  UPDATE impact.privacy_requests SET status = 'processing', approved_by = @by, updated_at = clock_timestamp()
                  WHERE id = @id RETURNING {Columns}
                  """
                : $"""
                  UPDATE impact.privacy_requests SET status = 'rejected', rejected_by = @by, completed_at = clock_timestamp(), updated_at = clock_timestamp()
                  WHERE id = @id RETURNING {Columns}
                  """,
            new { id, by }, tx, cancellationToken: ct));
        await PrivacyAudit.AppendAsync(conn, tx, id, approve ? "approved" : "rejected", null, by, ct);
        await tx.CommitAsync(ct);
        return updated;
    }

    /// <summary>
    /// Expires an erasure nobody decided on in time. Returns the status after the call:
    /// <see cref="PrivacyRequestStatus.Expired"/>, or whatever a decision that got there first set (an approval that
    /// raced the timer still wins), or <see cref="PrivacyRequestStatus.Missing"/>.
    /// </summary>
    public async Task<string> ExpireAsync(Guid id, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var expired = await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE impact.privacy_requests SET status = 'expired', completed_at = clock_timestamp(), updated_at = clock_timestamp()
            WHERE id = @id AND status = 'awaiting_approval'
            """, new { id }, tx, cancellationToken: ct));
        if (expired > 0)
        {
            await PrivacyAudit.AppendAsync(conn, tx, id, "expired", null, PrivacyAudit.System, ct);
        }

        var status = await conn.ExecuteScalarAsync<string>(new CommandDefinition(
            "SELECT status FROM impact.privacy_requests WHERE id = @id", new { id }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return status ?? PrivacyRequestStatus.Missing;
    }

    /// <summary>Marks a request failed (unless it already reached a final status) and audits why.</summary>
    public async Task FailAsync(Guid id, string error, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var failed = await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE impact.privacy_requests SET status = 'failed', error = @error, completed_at = clock_timestamp(), updated_at = clock_timestamp()
            WHERE id = @id AND status IN ('pending', 'awaiting_approval', 'processing')
            """, new { id, error }, tx, cancellationToken: ct));
        if (failed > 0)
        {
            await PrivacyAudit.AppendAsync(conn, tx, id, "failed", new { error }, PrivacyAudit.System, ct);
        }

        await tx.CommitAsync(ct);
    }

    /// <summary>Moves a pending export to processing (progress 5) and audits it; does nothing for one already past pending.</summary>
    public async Task StartExportAsync(Guid id, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var started = await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE impact.privacy_requests SET status = 'processing', progress = 5, updated_at = clock_timestamp()
            WHERE id = @id AND status = 'pending'
            """, new { id }, tx, cancellationToken: ct));
        if (started > 0)
        {
            await PrivacyAudit.AppendAsync(conn, tx, id, "export_started", null, PrivacyAudit.System, ct);
        }

        await tx.CommitAsync(ct);
    }

    /// <summary>Sets the progress of a running request.</summary>
    public async Task SetProgressAsync(Guid id, int progress, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(
            "UPDATE impact.privacy_requests SET progress = @progress, updated_at = clock_timestamp() WHERE id = @id AND status = 'processing'",
            new { id, progress = (short)Math.Clamp(progress, 0, 100) }, cancellationToken: ct));
    }

    /// <summary>Why an export whose person was erased before it completed failed (the request's <c>error</c>).</summary>
    public const string ErasedBeforeCompletion =
        "The person was erased before the export completed; the export was discarded and no file of it is kept.";

    /// <summary>
    /// Completes a processing export at <paramref name="result"/>'s location: the audit row and the
    /// <c>privacy.export.completed</c> event in the same transaction. In that transaction it re-checks the subject: when the
    /// person is gone (an erasure finished after the export's snapshot) the request fails with
    /// <see cref="ErasedBeforeCompletion"/> instead, and the caller deletes the ZIP. The user row is share-locked, so an
    /// erasure running now waits for this commit (and then deletes the ZIP itself). Does nothing for a request no longer
    /// processing. Returns the request's status afterwards.
    /// </summary>
    public async Task<string> CompleteExportAsync(PrivacyRequest request, ExportResult result, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        // The person's row first, then the request's: the order an erasure takes them in (it locks the user row, and
        // deleting it updates the person's requests), so the two never wait for each other in a circle.
        var subject = await conn.QuerySingleOrDefaultAsync<(Guid Id, Guid? CompanyId)?>(new CommandDefinition(
            """
            SELECT u.id, u.company_id FROM impact.users u
            WHERE u.id = (SELECT user_id FROM impact.privacy_requests WHERE id = @id)
            FOR SHARE OF u
            """, new { id = request.Id }, tx, cancellationToken: ct));
        var current = await conn.QuerySingleOrDefaultAsync<(string Status, Guid? UserId)>(new CommandDefinition(
            "SELECT status, user_id FROM impact.privacy_requests WHERE id = @id FOR UPDATE", new { id = request.Id }, tx, cancellationToken: ct));
        if (current.Status != PrivacyRequestStatus.Processing)
        {
            await tx.CommitAsync(ct);
            return current.Status ?? PrivacyRequestStatus.Missing;
        }

        if (subject is not { } person || current.UserId != person.Id)
        {
            await FailErasedAsync(conn, tx, request.Id, ct);
            await tx.CommitAsync(ct);
            return PrivacyRequestStatus.Failed;
        }

        await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE impact.privacy_requests
            SET status = 'completed', progress = 100, result_location = @location, completed_at = clock_timestamp(), updated_at = clock_timestamp()
            WHERE id = @id
            """, new { id = request.Id, location = result.Location }, tx, cancellationToken: ct));
        await PrivacyAudit.AppendAsync(conn, tx, request.Id, "export_completed",
            new { files = result.Files.Count, rows = result.Rows }, PrivacyAudit.System, ct);
        await EventLog.AppendAsync(conn, tx, EventTypes.PrivacyExportCompleted, person.CompanyId,
            new { requestId = request.Id, userId = current.UserId }, request.Id.ToString(), ct);
        await tx.CommitAsync(ct);
        return PrivacyRequestStatus.Completed;
    }

    /// <summary>
    /// Fails an export whose person no longer exists (erased) with <see cref="ErasedBeforeCompletion"/>, audited; a request
    /// already final stays as it is. Returns the request's status afterwards.
    /// </summary>
    public async Task<string> DiscardExportAsync(Guid id, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await FailErasedAsync(conn, tx, id, ct);
        var status = await conn.ExecuteScalarAsync<string>(new CommandDefinition(
            "SELECT status FROM impact.privacy_requests WHERE id = @id", new { id }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        return status ?? PrivacyRequestStatus.Missing;
    }

    private static async Task FailErasedAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, CancellationToken ct)
    {
        var failed = await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE impact.privacy_requests
            SET status = 'failed', error = @error, result_location = NULL, completed_at = clock_timestamp(), updated_at = clock_timestamp()
            WHERE id = @id AND type = 'export' AND status IN ('pending', 'processing')
            """, new { id, error = ErasedBeforeCompletion }, tx, cancellationToken: ct));
        if (failed > 0)
        {
            await PrivacyAudit.AppendAsync(conn, tx, id, "export_discarded", new { reason = "subject erased" }, PrivacyAudit.System, ct);
        }
    }
}
