using System.Net;
using Dapper;
using Impact.Shared.Events;
using Impact.Shared.Feedback.Pipeline;
using Impact.Shared.Http;
using Impact.Shared.Security;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Impact.Shared.Backfill;

/// <summary>
/// Queries on <c>impact.backfill_jobs</c>. What the API calls throws <see cref="ProblemException"/>
/// (404 for an unknown job, 409 for a change the job's status does not allow), decided under the row's lock.
/// A job belongs to the company of the caller who uploaded it (none for an operator's import); what the API
/// reads or changes is scoped to the caller's company, and another company's job is the same 404 as an
/// unknown one. Every change the API makes writes an audit row naming the caller in the same transaction.
/// </summary>
public sealed class BackfillJobStore(NpgsqlDataSource dataSource, IOptions<TextPipelineOptions> textPipeline)
{
    private const string SelectColumns =
        """
        id AS Id, company_id AS CompanyId, kind AS Kind, file_name AS FileName, blob_container AS BlobContainer, blob_name AS BlobName,
        file_bytes AS FileBytes, delimiter AS Delimiter, columns AS Columns, status AS Status, total_rows AS TotalRows,
        processed_rows AS ProcessedRows, succeeded_rows AS SucceededRows, failed_rows AS FailedRows,
        checkpoint_offset AS CheckpointOffset, checkpoint_row AS CheckpointRow, checkpoint_line AS CheckpointLine,
        error_delimiter AS ErrorDelimiter, error_bom AS ErrorBom, error_crlf AS ErrorCrlf, error_blob_name AS ErrorBlobName,
        last_error AS LastError, created_at AS CreatedAt, started_at AS StartedAt, completed_at AS CompletedAt, updated_at AS UpdatedAt
        """;

    // A null scope (an operator, background code) reaches every job; a company reaches only its own.
    private const string InScope = "(@company::uuid IS NULL OR company_id = @company)";

    /// <summary>
    /// Records a new job of <paramref name="caller"/>'s company (none for an operator) in <c>pending</c>, its
    /// checkpoint at the first data record, and the <c>import.create</c> audit row; returns it. A 403 when the
    /// token's company is not one the platform knows.
    /// </summary>
    public async Task<BackfillJob> CreateAsync(Guid id, string kind, string fileName, string container,
        string blobName, long fileBytes, CsvHeader header, string errorBlobName, Caller caller, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        BackfillJob job;
        try
        {
            job = await conn.QuerySingleAsync<BackfillJob>(new CommandDefinition(
                $"""
                INSERT INTO impact.backfill_jobs
                    (id, company_id, kind, file_name, blob_container, blob_name, file_bytes, delimiter, columns, checkpoint_offset, checkpoint_row,
                     checkpoint_line, error_delimiter, error_bom, error_crlf, error_blob_name)
                VALUES (@id, @companyId, @kind, @fileName, @container, @blobName, @fileBytes, @delimiter, @columns, @offset, 1,
                        @lines, @delimiter, @bom, @crlf, @errorBlobName)
                RETURNING {SelectColumns}
                """,
                new
                {
                    id, companyId = caller.ScopeCompany(), kind, fileName, container, blobName, fileBytes,
                    delimiter = header.Delimiter.ToString(), columns = header.Columns.ToArray(), offset = header.DataOffset, errorBlobName,
                    lines = header.DataLines, bom = header.Bom, crlf = header.Crlf,
                }, tx, cancellationToken: ct));
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            throw UnknownCompany();
        }
        catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation)
        {
            throw new ProblemException(HttpStatusCode.Conflict, "The upload is already imported",
                $"An import was already started from this upload: see /v1/imports/{id}. Ask for a new upload link to import a file again.");
        }

        await AuditLog.AppendAsync(conn, tx, caller, "import.create", Subject(id),
            new { kind, fileName, bytes = fileBytes, blob = blobName }, ct);
        await tx.CommitAsync(ct);
        return job;
    }

    /// <summary>
    /// Audits an upload link handed to <paramref name="caller"/> (<c>import.upload-link</c>, subject <c>upload:&lt;id&gt;</c>:
    /// the blob it may write and until when). A 403 when the token's company is not one the platform knows.
    /// </summary>
    public async Task RecordUploadLinkAsync(Guid uploadId, string blobName, DateTimeOffset expiresAt, Caller caller, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var company = caller.ScopeCompany();
        if (company is not null && !await conn.ExecuteScalarAsync<bool>(new CommandDefinition(
                "SELECT EXISTS (SELECT 1 FROM impact.companies WHERE id = @company)", new { company }, tx, cancellationToken: ct)))
        {
            throw UnknownCompany();
        }

        await AuditLog.AppendAsync(conn, tx, caller, "import.upload-link", $"upload:{uploadId}", new { blob = blobName, expiresAt }, ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>The job, or <c>null</c> (for background code; the API uses <see cref="GetAsync"/>).</summary>
    public async Task<BackfillJob?> FindAsync(Guid id, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        return await conn.QuerySingleOrDefaultAsync<BackfillJob>(new CommandDefinition(
            $"SELECT {SelectColumns} FROM impact.backfill_jobs WHERE id = @id", new { id }, cancellationToken: ct));
    }

    /// <summary>The job if it belongs to <paramref name="company"/>; a 404 if there is none (or it is another company's).</summary>
    /// <param name="id">The job.</param>
    /// <param name="company">The caller's scope (<see cref="Caller.ScopeCompany"/>); null: any company (an operator, or background code).</param>
    /// <param name="ct">Cancellation.</param>
    public async Task<BackfillJob> GetAsync(Guid id, Guid? company, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        return await conn.QuerySingleOrDefaultAsync<BackfillJob>(new CommandDefinition(
            $"SELECT {SelectColumns} FROM impact.backfill_jobs WHERE id = @id AND {InScope}", new { id, company }, cancellationToken: ct))
            ?? throw NotFound(id);
    }

    /// <summary>
    /// Moves a pending or running job to <c>paused</c> (a paused one stays paused); the orchestration stops
    /// after the chunk in hand; the <c>import.pause</c> audit row names <paramref name="caller"/>. Returns the job
    /// afterwards; 404 unknown (or another company's), 409 completed or failed.
    /// </summary>
    public async Task<BackfillJob> PauseAsync(Guid id, Caller caller, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var job = await LockAsync(conn, tx, id, caller.ScopeCompany(), ct);
        var from = job.Status;
        switch (job.Status)
        {
            case BackfillStatus.Pending or BackfillStatus.Running:
                job = await SetStatusAsync(conn, tx, id, BackfillStatus.Paused, ct);
                break;
            case BackfillStatus.Paused:
                break;
            default:
                throw new ProblemException(HttpStatusCode.Conflict, "The import cannot be paused",
                    $"Import {id} is {job.Status}; only a pending or running import can be paused.");
        }

        await AuditLog.AppendAsync(conn, tx, caller, "import.pause", Subject(id), new { from }, ct);
        await tx.CommitAsync(ct);
        return job;
    }

    /// <summary>
    /// Moves a paused job, or a failed one whose orchestration has ended, back to <c>running</c> (keeping
    /// its checkpoint and counts, clearing the error); a pending or running job whose orchestration is gone
    /// is left as it is for a new run to pick up; the <c>import.resume</c> audit row names <paramref name="caller"/>.
    /// Returns the job afterwards. 404 unknown (or another company's); 409 completed, pending or running with a
    /// live orchestration (nothing to resume), failed with a live one (still stopping).
    /// </summary>
    /// <param name="id">The job.</param>
    /// <param name="orchestrationAlive">Whether the job's orchestration is pending, running or suspended.</param>
    /// <param name="caller">Who resumes it; scopes the job to the caller's company.</param>
    /// <param name="ct">Cancellation.</param>
    public async Task<BackfillJob> ResumeAsync(Guid id, bool orchestrationAlive, Caller caller, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var job = await LockAsync(conn, tx, id, caller.ScopeCompany(), ct);
        var from = job.Status;
        switch (job.Status)
        {
            case BackfillStatus.Completed:
                throw new ProblemException(HttpStatusCode.Conflict, "The import is already complete",
                    $"Import {id} finished at {job.CompletedAt:u}; upload the file again to import it again.");
            case BackfillStatus.Pending or BackfillStatus.Running when orchestrationAlive:
                throw new ProblemException(HttpStatusCode.Conflict, "The import is already running",
                    $"Import {id} is {job.Status}; there is nothing to resume.");
            case BackfillStatus.Failed when orchestrationAlive:
                // It has marked the job failed but not finished yet: a resume event now would be lost.
                throw new ProblemException(HttpStatusCode.Conflict, "The import is still stopping",
                    $"Import {id} failed a moment ago and is still shutting down; try again in a few seconds.")
                {
                    Headers = new Dictionary<string, string> { ["Retry-After"] = "2" },
                };
            case BackfillStatus.Paused or BackfillStatus.Failed:
                job = await SetStatusAsync(conn, tx, id, BackfillStatus.Running, ct);
                break;
        }

        await AuditLog.AppendAsync(conn, tx, caller, "import.resume", Subject(id), new { from, checkpointRow = job.CheckpointRow }, ct);
        await tx.CommitAsync(ct);
        return job;
    }

    /// <summary>Marks the job failed with a reason a person can act on (a completed job stays completed).</summary>
    public async Task MarkFailedAsync(Guid id, string error, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE impact.backfill_jobs SET status = 'failed', last_error = @error, updated_at = clock_timestamp()
            WHERE id = @id AND status <> 'completed'
            """, new { id, error }, cancellationToken: ct));
    }

    /// <summary>
    /// Commits one chunk in one transaction: its good rows, the checkpoint and counts, the
    /// <c>backfill.progress</c> event (and <c>backfill.completed</c> at the end of the file). Returns the
    /// job afterwards, or <c>null</c> when the checkpoint is no longer at the chunk's start or the job has
    /// completed or failed (another run committed it, or the job was stopped): nothing is written then.
    /// </summary>
    public async Task<BackfillJob?> CommitChunkAsync(BackfillJob job, BackfillChunk chunk, CancellationToken ct = default)
    {
        var jobId = job.Id;
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var current = await conn.QuerySingleAsync<(long Offset, string Status)>(new CommandDefinition(
            "SELECT checkpoint_offset, status FROM impact.backfill_jobs WHERE id = @jobId FOR UPDATE",
            new { jobId }, tx, cancellationToken: ct));
        if (current.Offset != chunk.StartOffset || current.Status is BackfillStatus.Completed or BackfillStatus.Failed)
        {
            await tx.RollbackAsync(ct);
            return null;
        }

        if (job.Kind == BackfillKinds.KintellSessions)
        {
            await KintellSessionRows.LoadAsync(conn, tx, chunk.Sessions, ct);
            if (textPipeline.Value.Enabled && chunk.Sessions.Count > 0)
            {
                // Set-based from the chunk's staging table, in its transaction; the outbox sweeper queues them in batches.
                await TextRows.InsertFromBackfillStageAsync(conn, tx, KintellSessionRows.LoadTimeoutSeconds, ct);
            }
        }
        else
        {
            await KintellUserRows.LoadAsync(conn, tx, chunk.Users, ct);
        }

        var succeeded = chunk.Sessions.Count + chunk.Users.Count;
        var failed = chunk.Failed;
        var (endOffset, lastRecord, endLine, endOfFile) = (chunk.EndOffset, chunk.LastRecord, chunk.EndLine, chunk.EndOfFile);
        var after = await conn.QuerySingleAsync<BackfillJob>(new CommandDefinition(
            $"""
            UPDATE impact.backfill_jobs SET
                checkpoint_offset = @endOffset,
                checkpoint_row = @lastRecord,
                checkpoint_line = @endLine,
                processed_rows = processed_rows + @processed,
                succeeded_rows = succeeded_rows + @succeeded,
                failed_rows = failed_rows + @failed,
                status = CASE WHEN @endOfFile THEN 'completed' WHEN status = 'pending' THEN 'running' ELSE status END,
                total_rows = CASE WHEN @endOfFile THEN processed_rows + @processed ELSE total_rows END,
                started_at = COALESCE(started_at, clock_timestamp()),
                completed_at = CASE WHEN @endOfFile THEN clock_timestamp() ELSE completed_at END,
                updated_at = clock_timestamp()
            WHERE id = @jobId
            RETURNING {SelectColumns}
            """,
            new { jobId, endOffset, lastRecord, endLine, processed = succeeded + failed, succeeded, failed, endOfFile }, tx, cancellationToken: ct));

        await EventLog.AppendAsync(conn, tx, EventTypes.BackfillProgress, null, new
        {
            jobId, kind = after.Kind, processedRows = after.ProcessedRows, succeededRows = after.SucceededRows,
            failedRows = after.FailedRows, percent = after.Percent,
        }, jobId.ToString(), ct);
        if (endOfFile)
        {
            await EventLog.AppendAsync(conn, tx, EventTypes.BackfillCompleted, null, new
            {
                jobId, kind = after.Kind, fileName = after.FileName, totalRows = after.TotalRows,
                succeededRows = after.SucceededRows, failedRows = after.FailedRows,
            }, jobId.ToString(), ct);
        }

        await tx.CommitAsync(ct);
        return after;
    }

    private static async Task<BackfillJob> LockAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, Guid? company, CancellationToken ct) =>
        await conn.QuerySingleOrDefaultAsync<BackfillJob>(new CommandDefinition(
            $"SELECT {SelectColumns} FROM impact.backfill_jobs WHERE id = @id AND {InScope} FOR UPDATE", new { id, company }, tx, cancellationToken: ct))
        ?? throw NotFound(id);

    private static Task<BackfillJob> SetStatusAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, string status, CancellationToken ct) =>
        conn.QuerySingleAsync<BackfillJob>(new CommandDefinition(
            $"""
            UPDATE impact.backfill_jobs
            SET status = @status, last_error = CASE WHEN @status = 'running' THEN NULL ELSE last_error END, updated_at = clock_timestamp()
            WHERE id = @id
            RETURNING {SelectColumns}
            """, new { id, status }, tx, cancellationToken: ct));

    private static string Subject(Guid id) => $"import:{id}";

    private static ProblemException UnknownCompany() => new(HttpStatusCode.Forbidden, "Unknown company",
        "The company named in the token is not known to the platform; ask an operator to set it up.");

    // The same 404 for another company's job as for an unknown one: nothing tells them apart.
    private static ProblemException NotFound(Guid id) => ProblemException.NotFound($"There is no import job with id '{id}'.");
}
