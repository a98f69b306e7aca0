using System.Text;
using System.Threading.Channels;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Dapper;
using Impact.Shared.Events;
using Npgsql;

namespace Impact.Shared.Backfill;

/// <summary>
/// One step of a backfill: import the next chunks of records from the uploaded blob, starting
/// at the job's byte-offset checkpoint. Each chunk is validated, its rejects go to the error
/// file, its good rows are loaded, and rows, counts, checkpoint and the progress event commit
/// in one transaction — so a crash loses at most the chunk in flight, and a retry continues from
/// the last commit. While one chunk is written to PostgreSQL the next one is already read and
/// validated on another thread (at most three chunks in memory: one writing, one waiting, one
/// being read). Running a step twice for the same checkpoint (a retry after a crash) loads
/// nothing twice: the second run finds the checkpoint moved and stops, and the error block it
/// rewrites has the same name and content.
/// </summary>
public static class BackfillChunkImporter
{
    /// <summary>
    /// Imports up to <paramref name="maxChunks"/> chunks, stopping early when the job is paused,
    /// completed or failed (checked at every chunk's commit); returns the job afterwards.
    /// </summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="blobs">Where the upload and the error file are.</param>
    /// <param name="jobId">The job.</param>
    /// <param name="chunkRows">Records per chunk: one transaction, one checkpoint.</param>
    /// <param name="maxRecordBytes">A longer record counts as broken quoting.</param>
    /// <param name="maxChunks">Chunks in this step at most.</param>
    /// <param name="ct">Cancellation.</param>
    public static async Task<BackfillJob> ImportChunksAsync(NpgsqlDataSource dataSource, BlobServiceClient blobs, Guid jobId,
        int chunkRows, int maxRecordBytes, int maxChunks, CancellationToken ct = default)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxChunks, 1);
        var job = await BackfillJobs.GetAsync(dataSource, jobId, ct)
            ?? throw new InvalidOperationException($"Backfill job {jobId} does not exist.");
        if (job.Status is "paused" or "completed" or "failed")
        {
            return job;
        }

        var container = blobs.GetBlobContainerClient(job.BlobContainer);
        var chunks = Channel.CreateBounded<Chunk>(new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = true });
        using var stopReading = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var reading = Task.Run(() => ReadChunksAsync(job, container, chunkRows, maxRecordBytes, maxChunks, chunks.Writer, stopReading.Token), CancellationToken.None);
        try
        {
            await foreach (var chunk in chunks.Reader.ReadAllAsync(ct))
            {
                var after = await CommitAsync(dataSource, container, job, chunk, ct);
                if (after is null)
                {
                    // Another run of this step got here first: its commit stands, ours would duplicate it.
                    return (await BackfillJobs.GetAsync(dataSource, jobId, ct))!;
                }

                job = after;
                if (job.Status is not "running")
                {
                    break;
                }
            }

            return job;
        }
        finally
        {
            await stopReading.CancelAsync();
            await reading;
        }
    }

    /// <summary>What one chunk read from the file amounts to.</summary>
    private sealed record Chunk(long StartOffset, long EndOffset, long LastRecord, bool EndOfFile,
        List<SessionRow> Sessions, List<UserRow> Users, long Failed, byte[] ErrorRows);

    // The producer: reads chunk after chunk from one stream; never throws — a failure reaches the
    // committing side through the channel, and a cancelled read simply ends.
    private static async Task ReadChunksAsync(BackfillJob job, BlobContainerClient container, int chunkRows, int maxRecordBytes,
        int maxChunks, ChannelWriter<Chunk> writer, CancellationToken ct)
    {
        try
        {
            var offset = job.CheckpointOffset;
            var record = job.CheckpointRow;
            if (offset >= job.FileBytes)
            {
                await writer.WriteAsync(new Chunk(offset, offset, record, true, [], [], 0, []), ct);
                writer.TryComplete();
                return;
            }

            await using var stream = await container.GetBlobClient(job.BlobName).OpenReadAsync(
                new BlobOpenReadOptions(allowModifications: false) { Position = offset, BufferSize = 1 << 20 }, ct);
            var reader = new CsvRecordReader(stream, job.Delimiter[0], offset, record, maxRecordBytes);
            // Where each column the validation wants sits in this file (-1 = absent).
            var positions = BackfillKinds.Columns(job.Kind)
                .Select(w => Array.FindIndex(job.Columns, c => string.Equals(c, w, StringComparison.OrdinalIgnoreCase))).ToArray();
            for (var i = 0; i < maxChunks; i++)
            {
                var chunk = await ReadChunkAsync(job, reader, positions, chunkRows, ct);
                await writer.WriteAsync(chunk, ct);
                if (chunk.EndOfFile)
                {
                    break;
                }
            }

            writer.TryComplete();
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            writer.TryComplete();
        }
        catch (Exception e)
        {
            writer.TryComplete(e);
        }
    }

    private static async Task<Chunk> ReadChunkAsync(BackfillJob job, CsvRecordReader reader, int[] positions, int chunkRows, CancellationToken ct)
    {
        var startOffset = reader.Offset;
        var columnCount = job.Columns.Length;
        var sessions = new List<SessionRow>();
        var users = new List<UserRow>();
        using var errorBytes = new MemoryStream();
        long failed = 0;
        var endOffset = startOffset;
        var lastRecord = reader.RecordNumber;
        var endOfFile = false;
        await using (var errors = new StreamWriter(errorBytes, new UTF8Encoding(false), leaveOpen: true))
        {
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
        }

        endOfFile |= endOffset >= job.FileBytes;
        return new Chunk(startOffset, endOffset, lastRecord, endOfFile, sessions, users, failed, errorBytes.ToArray());
    }

    // Returns null when the checkpoint had already moved past this chunk (another run committed it).
    private static async Task<BackfillJob?> CommitAsync(NpgsqlDataSource dataSource, BlobContainerClient container, BackfillJob job, Chunk chunk, CancellationToken ct)
    {
        if (chunk.Failed > 0)
        {
            await ErrorFile.AppendChunkAsync(container.GetBlockBlobClient(job.ErrorBlobName), chunk.StartOffset, chunk.ErrorRows, ct);
        }

        var jobId = job.Id;
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var current = await conn.QuerySingleAsync<(long Offset, string Status)>(new CommandDefinition(
            "SELECT checkpoint_offset, status FROM impact.backfill_jobs WHERE id = @jobId FOR UPDATE",
            new { jobId }, tx, cancellationToken: ct));
        if (current.Offset != chunk.StartOffset || current.Status is "completed" or "failed")
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
