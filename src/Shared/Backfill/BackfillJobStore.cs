using System.Net;
using Dapper;
using Impact.Shared.Events;
using Impact.Shared.Http;
using Npgsql;

namespace Impact.Shared.Backfill;

/// <summary>
/// Queries on <c>impact.backfill_jobs</c>. What the API calls throws <see cref="ProblemException"/>
/// (404 for an unknown job, 409 for a change the job's status does not allow), decided under the row's lock.
/// </summary>
public sealed class BackfillJobStore(NpgsqlDataSource dataSource)
{
    private const string SelectColumns =
        """
        id AS Id, kind AS Kind, file_name AS FileName, blob_container AS BlobContainer, blob_name AS BlobName,
        file_bytes AS FileBytes, delimiter AS Delimiter, columns AS Columns, status AS Status, total_rows AS TotalRows,
        processed_rows AS ProcessedRows, succeeded_rows AS SucceededRows, failed_rows AS FailedRows,
        checkpoint_offset AS CheckpointOffset, checkpoint_row AS CheckpointRow, error_blob_name AS ErrorBlobName,
        last_error AS LastError, created_at AS CreatedAt, started_at AS StartedAt, completed_at AS CompletedAt, updated_at AS UpdatedAt
        """;

    /// <summary>Records a new job in <c>pending</c>, its checkpoint at the first data record; returns it.</summary>
    public async Task<BackfillJob> CreateAsync(Guid id, string kind, string fileName, string container,
        string blobName, long fileBytes, CsvHeader header, string errorBlobName, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        return await conn.QuerySingleAsync<BackfillJob>(new CommandDefinition(
            $"""
            INSERT INTO impact.backfill_jobs
                (id, kind, file_name, blob_container, blob_name, file_bytes, delimiter, columns, checkpoint_offset, checkpoint_row, error_blob_name)
            VALUES (@id, @kind, @fileName, @container, @blobName, @fileBytes, @delimiter, @columns, @offset, 1, @errorBlobName)
            RETURNING {SelectColumns}
            """,
            new
            {
                id, kind, fileName, container, blobName, fileBytes, delimiter = header.Delimiter.ToString(),
                columns = header.Columns.ToArray(), offset = header.DataOffset, errorBlobName,
            }, cancellationToken: ct));
    }

    /// <summary>The job, or <c>null</c> (for background code; the API uses <see cref="GetAsync"/>).</summary>
    public async Task<BackfillJob?> FindAsync(Guid id, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        return await conn.QuerySingleOrDefaultAsync<BackfillJob>(new CommandDefinition(
            $"SELECT {SelectColumns} FROM impact.backfill_jobs WHERE id = @id", new { id }, cancellationToken: ct));
    }

    /// <summary>The job; a 404 if there is none.</summary>
    public async Task<BackfillJob> GetAsync(Guid id, CancellationToken ct = default) =>
        await FindAsync(id, ct) ?? throw NotFound(id);

    /// <summary>
    /// Moves a pending or running job to <c>paused</c> (a paused one stays paused); the orchestration stops
    /// after the chunk in hand. Returns the job afterwards; 404 unknown, 409 completed or failed.
    /// </summary>
    public async Task<BackfillJob> PauseAsync(Guid id, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var job = await LockAsync(conn, tx, id, ct);
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

        await tx.CommitAsync(ct);
        return job;
    }

    /// <summary>
    /// Moves a paused job, or a failed one whose orchestration has ended, back to <c>running</c> (keeping
    /// its checkpoint and counts, clearing the error); a pending or running job whose orchestration is gone
    /// is left as it is for a new run to pick up. Returns the job afterwards. 404 unknown; 409 completed,
    /// pending or running with a live orchestration (nothing to resume), failed with a live one (still stopping).
    /// </summary>
    /// <param name="id">The job.</param>
    /// <param name="orchestrationAlive">Whether the job's orchestration is pending, running or suspended.</param>
    /// <param name="ct">Cancellation.</param>
    public async Task<BackfillJob> ResumeAsync(Guid id, bool orchestrationAlive, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var job = await LockAsync(conn, tx, id, ct);
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

        await tx.CommitAsync(ct);
        return job;
    }

    /// <summary>Marks the job failed with a reason a person can act on (a completed job stays completed).</summary>
    public async Task MarkFailedAsync(Guid id, string error, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE impact.backfill_jobs SET status = 'failed', last_error = @error, updated_at = now()
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
        }
        else
        {
            await KintellUserRows.LoadAsync(conn, tx, chunk.Users, ct);
        }

        var succeeded = chunk.Sessions.Count + chunk.Users.Count;
        var failed = chunk.Failed;
        var (endOffset, lastRecord, endOfFile) = (chunk.EndOffset, chunk.LastRecord, chunk.EndOfFile);
        var after = await conn.QuerySingleAsync<BackfillJob>(new CommandDefinition(
            $"""
            UPDATE impact.backfill_jobs SET
                checkpoint_offset = @endOffset,
                checkpoint_row = @lastRecord,
                processed_rows = processed_rows + @processed,
                succeeded_rows = succeeded_rows + @succeeded,
                failed_rows = failed_rows + @failed,
                status = CASE WHEN @endOfFile THEN 'completed' WHEN status = 'pending' THEN 'running' ELSE status END,
                total_rows = CASE WHEN @endOfFile THEN processed_rows + @processed ELSE total_rows END,
                started_at = COALESCE(started_at, now()),
                completed_at = CASE WHEN @endOfFile THEN now() ELSE completed_at END,
                updated_at = now()
            WHERE id = @jobId
            RETURNING {SelectColumns}
            """,
            new { jobId, endOffset, lastRecord, processed = succeeded + failed, succeeded, failed, endOfFile }, tx, cancellationToken: ct));

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

    private static async Task<BackfillJob> LockAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, CancellationToken ct) =>
        await conn.QuerySingleOrDefaultAsync<BackfillJob>(new CommandDefinition(
            $"SELECT {SelectColumns} FROM impact.backfill_jobs WHERE id = @id FOR UPDATE", new { id }, tx, cancellationToken: ct))
        ?? throw NotFound(id);

    private static Task<BackfillJob> SetStatusAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid id, string status, CancellationToken ct) =>
        conn.QuerySingleAsync<BackfillJob>(new CommandDefinition(
            $"""
            UPDATE impact.backfill_jobs
            SET status = @status, last_error = CASE WHEN @status = 'running' THEN NULL ELSE last_error END, updated_at = now()
            WHERE id = @id
            RETURNING {SelectColumns}
            """, new { id, status }, tx, cancellationToken: ct));

    private static ProblemException NotFound(Guid id) => ProblemException.NotFound($"There is no import job with id '{id}'.");
}
