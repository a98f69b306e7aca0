using Impact.Shared.Backfill;

namespace Impact.Ingest.Backfill;

/// <summary>A backfill job as <c>GET /v1/imports/{jobId}</c> (and pause and resume) show it.</summary>
public sealed record ImportView(Guid JobId, string Kind, string FileName, string Status, double Percent, long? TotalRows,
    long ProcessedRows, long SucceededRows, long FailedRows, ImportView.Position Checkpoint, long FileBytes, string? LastError,
    string ErrorsUrl, DateTimeOffset CreatedAt, DateTimeOffset? StartedAt, DateTimeOffset? CompletedAt, DateTimeOffset UpdatedAt)
{
    /// <summary>Where the next chunk starts: byte offset and the number of the last record consumed (header = 1).</summary>
    public sealed record Position(long Offset, long Row);

    /// <summary>The view of <paramref name="job"/>; the database's timestamps are UTC.</summary>
    public static ImportView From(BackfillJob job) => new(job.Id, job.Kind, job.FileName, job.Status, job.Percent, job.TotalRows,
        job.ProcessedRows, job.SucceededRows, job.FailedRows, new Position(job.CheckpointOffset, job.CheckpointRow), job.FileBytes,
        job.LastError, $"/v1/imports/{job.Id}/errors", Utc(job.CreatedAt), job.StartedAt is { } s ? Utc(s) : null,
        job.CompletedAt is { } c ? Utc(c) : null, Utc(job.UpdatedAt));

    private static DateTimeOffset Utc(DateTime value) => new(DateTime.SpecifyKind(value, DateTimeKind.Utc));
}
