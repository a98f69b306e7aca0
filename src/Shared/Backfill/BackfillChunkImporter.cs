using System.Text;
using System.Threading.Channels;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Impact.Shared.Telemetry;
using Microsoft.Extensions.Options;

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
public sealed class BackfillChunkImporter(BackfillJobStore jobs, BlobServiceClient blobs, IOptions<BackfillOptions> options)
{
    /// <summary>
    /// Imports up to <see cref="BackfillOptions.ChunksPerActivity"/> chunks of <see cref="BackfillOptions.ChunkRows"/>
    /// records, stopping early when the job is paused, completed or failed (checked at every chunk's commit);
    /// returns the job afterwards.
    /// </summary>
    public async Task<BackfillJob> ImportChunksAsync(Guid jobId, CancellationToken ct = default)
    {
        var o = options.Value;
        var job = await jobs.FindAsync(jobId, ct)
            ?? throw new InvalidOperationException($"Backfill job {jobId} does not exist.");
        if (job.Status is BackfillStatus.Paused or BackfillStatus.Completed or BackfillStatus.Failed)
        {
            return job;
        }

        var container = blobs.GetBlobContainerClient(job.BlobContainer);
        var chunks = Channel.CreateBounded<BackfillChunk>(new BoundedChannelOptions(1) { SingleReader = true, SingleWriter = true });
        using var stopReading = CancellationTokenSource.CreateLinkedTokenSource(ct);
        var reading = Task.Run(() => ReadChunksAsync(job, container, o.ChunkRows, o.MaxRecordBytes, o.ChunksPerActivity, chunks.Writer, stopReading.Token),
            CancellationToken.None);
        try
        {
            await foreach (var chunk in chunks.Reader.ReadAllAsync(ct))
            {
                if (chunk.Failed > 0)
                {
                    await ErrorFile.AppendChunkAsync(container.GetBlockBlobClient(job.ErrorBlobName), chunk.StartOffset, chunk.ErrorRows, ct);
                }

                var after = await jobs.CommitChunkAsync(job, chunk, ct);
                if (after is null)
                {
                    // Another run of this step got here first: its commit stands, ours would duplicate it.
                    return await jobs.GetAsync(jobId, company: null, ct);
                }

                job = after;
                var kind = new KeyValuePair<string, object?>("kind", job.Kind);
                ImpactTelemetry.BackfillRowsImported.Add(chunk.Sessions.Count + chunk.Users.Count, kind);
                ImpactTelemetry.BackfillRowsRejected.Add(chunk.Failed, kind);
                if (job.Status is not BackfillStatus.Running)
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

    // The producer: reads chunk after chunk from one stream; never throws — a failure reaches the
    // committing side through the channel, and a cancelled read simply ends.
    private static async Task ReadChunksAsync(BackfillJob job, BlobContainerClient container, int chunkRows, int maxRecordBytes,
        int maxChunks, ChannelWriter<BackfillChunk> writer, CancellationToken ct)
    {
        try
        {
            var offset = job.CheckpointOffset;
            var record = job.CheckpointRow;
            if (offset >= job.FileBytes)
            {
                await writer.WriteAsync(new BackfillChunk(offset, offset, record, job.CheckpointLine, true, [], [], 0, []), ct);
                writer.TryComplete();
                return;
            }

            await using var stream = await container.GetBlobClient(job.BlobName).OpenReadAsync(
                new BlobOpenReadOptions(allowModifications: false) { Position = offset, BufferSize = 1 << 20 }, ct);
            // Knowing the header's column count lets the reader confine a broken quote to its own line.
            var reader = new CsvRecordReader(stream, job.Delimiter[0], offset, record, maxRecordBytes, job.Columns.Length, job.CheckpointLine);
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

    private static async Task<BackfillChunk> ReadChunkAsync(BackfillJob job, CsvRecordReader reader, int[] positions, int chunkRows, CancellationToken ct)
    {
        var startOffset = reader.Offset;
        var columnCount = job.Columns.Length;
        var format = ErrorFileFormat.Of(job);
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
                    ErrorFile.WriteRow(errors, record.Fields, columnCount, record.RecordNumber, record.LineNumber, error, format);
                }
            }
        }

        endOfFile |= endOffset >= job.FileBytes;
        return new BackfillChunk(startOffset, endOffset, lastRecord, reader.LinesRead, endOfFile, sessions, users, failed, errorBytes.ToArray());
    }
}
