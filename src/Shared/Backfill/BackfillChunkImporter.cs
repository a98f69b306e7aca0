using System.Text;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Dapper;
using Impact.Shared.Events;
using Npgsql;

namespace Impact.Shared.Backfill;

/// <summary>
/// One step of a backfill: read the next chunk of records from the uploaded blob starting at
/// the job's byte-offset checkpoint, validate them, write the rejects to the error file, load
/// the rest and move the checkpoint — rows, counts, checkpoint and the progress event commit
/// in one transaction. Running a step twice for the same checkpoint (a retry after a crash)
/// loads nothing twice: the second run finds the checkpoint moved and stops, and the error
/// block it rewrites has the same name and content.
/// </summary>
public static class BackfillChunkImporter
{
    /// <summary>Imports the next chunk unless the job is paused, completed or failed; returns the job afterwards.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="blobs">Where the upload and the error file are.</param>
    /// <param name="jobId">The job.</param>
    /// <param name="chunkRows">Records per chunk: the memory bound of a step.</param>
    /// <param name="maxRecordBytes">A longer record counts as broken quoting.</param>
    /// <param name="ct">Cancellation.</param>
    public static async Task<BackfillJob> ImportNextChunkAsync(NpgsqlDataSource dataSource, BlobServiceClient blobs, Guid jobId,
        int chunkRows, int maxRecordBytes, CancellationToken ct = default)
    {
        var job = await BackfillJobs.GetAsync(dataSource, jobId, ct)
            ?? throw new InvalidOperationException($"Backfill job {jobId} does not exist.");
        if (job.Status is "paused" or "completed" or "failed")
        {
            return job;
        }

        var container = blobs.GetBlobContainerClient(job.BlobContainer);
        var startOffset = job.CheckpointOffset;
        var columnCount = job.Columns.Length;
        var wanted = BackfillKinds.Columns(job.Kind);
        var positions = wanted.Select(w => Array.FindIndex(job.Columns, c => string.Equals(c, w, StringComparison.OrdinalIgnoreCase))).ToArray();
        var sessions = new List<SessionRow>();
        var users = new List<UserRow>();
        using var errorBytes = new MemoryStream();
        long failed = 0;
        var endOffset = startOffset;
        var lastRecord = job.CheckpointRow;
        var endOfFile = startOffset >= job.FileBytes;

        if (!endOfFile)
        {
            await using var stream = await container.GetBlobClient(job.BlobName).OpenReadAsync(
                new BlobOpenReadOptions(allowModifications: false) { Position = startOffset, BufferSize = 1 << 20 }, ct);
            var reader = new CsvRecordReader(stream, job.Delimiter[0], startOffset, job.CheckpointRow, maxRecordBytes);
            await using var errors = new StreamWriter(errorBytes, new UTF8Encoding(false), leaveOpen: true);
            var taken = 0;
            while (taken < chunkRows)
            {
                if (await reader.ReadAsync(ct) is not { } record)
                {
                    endOfFile = true;
                    break;
                }

                endOffset = record.EndOffset;
                lastRecord = record.RecordNumber;
                if (record.IsBlank)
                {
                    continue;
                }

                taken++;
                var error = record.Error
                    ?? (record.Fields.Length != columnCount ? $"expected {columnCount} values as in the header, found {record.Fields.Length}" : null);
                if (error is null)
                {
                    if (job.Kind == BackfillKinds.KintellSessions)
                    {
                        var (row, invalid) = KintellSessionRows.Validate(record, positions);
                        error = invalid;
                        if (row is not null)
                        {
                            sessions.Add(row);
                        }
                    }
                    else
                    {
                        var (row, invalid) = KintellUserRows.Validate(record, positions);
                        error = invalid;
                        if (row is not null)
                        {
                            users.Add(row);
                        }
                    }
                }

                if (error is not null)
                {
                    failed++;
                    ErrorFile.WriteRow(errors, record.Fields, columnCount, record.RecordNumber, error);
                }
            }

            endOfFile |= endOffset >= job.FileBytes;
        }

        if (failed > 0)
        {
            await ErrorFile.AppendChunkAsync(container.GetBlockBlobClient(job.ErrorBlobName), startOffset, errorBytes.ToArray(), ct);
        }

        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var current = await conn.QuerySingleAsync<(long Offset, string Status)>(new CommandDefinition(
            "SELECT checkpoint_offset, status FROM impact.backfill_jobs WHERE id = @jobId FOR UPDATE",
            new { jobId }, tx, cancellationToken: ct));
        if (current.Offset != startOffset || current.Status is "completed" or "failed")
        {
            // Another run of this step got here first: its commit stands, ours would duplicate it.
            await tx.RollbackAsync(ct);
            return (await BackfillJobs.GetAsync(dataSource, jobId, ct))!;
        }

        if (job.Kind == BackfillKinds.KintellSessions)
        {
            await KintellSessionRows.LoadAsync(conn, tx, sessions, ct);
        }
        else
        {
            await KintellUserRows.LoadAsync(conn, tx, users, ct);
        }

        var succeeded = sessions.Count + users.Count;
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
            RETURNING {BackfillJobs.SelectColumns}
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
}
