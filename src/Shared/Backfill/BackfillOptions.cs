using System.ComponentModel.DataAnnotations;

namespace Impact.Shared.Backfill;

/// <summary>Settings section <c>Backfill</c> (environment: <c>Backfill__ChunkRows</c>, ...).</summary>
public sealed record BackfillOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Backfill";

    /// <summary>Records per chunk: one transaction, one checkpoint, and the memory bound of a step.</summary>
    [Range(1, 1_000_000, ErrorMessage = "Backfill:ChunkRows must be between 1 and 1,000,000.")]
    public int ChunkRows { get; init; } = 50_000;

    /// <summary>
    /// Chunks one activity imports before the orchestration continues as new. Each chunk still
    /// commits on its own; more chunks per activity let the next chunk be read while the last
    /// one is written, and mean fewer orchestration round trips.
    /// </summary>
    [Range(1, 100, ErrorMessage = "Backfill:ChunksPerActivity must be between 1 and 100.")]
    public int ChunksPerActivity { get; init; } = 8;

    /// <summary>Blob container for uploads and error files.</summary>
    [Required]
    [RegularExpression("^[a-z0-9](?:[a-z0-9]|-(?=[a-z0-9])){2,62}$", ErrorMessage = "Backfill:Container must be a valid blob container name (3-63 lower-case letters, digits, single hyphens).")]
    public string Container { get; init; } = "backfill";

    /// <summary>A record longer than this is rejected as broken quoting instead of swallowing the file.</summary>
    [Range(1024, 64 << 20, ErrorMessage = "Backfill:MaxRecordBytes must be between 1 KiB and 64 MiB.")]
    public int MaxRecordBytes { get; init; } = 1 << 20;

    /// <summary>Largest file imported from a blob uploaded with an upload link (<c>POST /v1/imports/uploads</c>).</summary>
    [Range(1L, long.MaxValue, ErrorMessage = "Backfill:MaxUploadBytes must be positive.")]
    public long MaxUploadBytes { get; init; } = 2L << 30;

    /// <summary>
    /// Largest file sent in the body of <c>POST /v1/imports/kintell-*</c>: a 413 problem beyond. At most 100,000,000
    /// bytes, below the Functions host's own 100 MiB request limit (which answers a bare 500), so the app's 413 is
    /// what a caller meets; larger files go through an upload link.
    /// </summary>
    [Range(1L, MaxDirectUploadLimit, ErrorMessage = "Backfill:MaxDirectUploadBytes must be between 1 and 100000000 (the Functions host refuses bodies over 100 MiB).")]
    public long MaxDirectUploadBytes { get; init; } = MaxDirectUploadLimit;

    /// <summary>The highest <see cref="MaxDirectUploadBytes"/> the Functions host lets through.</summary>
    public const long MaxDirectUploadLimit = 100_000_000;

    /// <summary>How long an upload link (a write-only SAS for one new blob) stays valid.</summary>
    [Range(1, 24 * 60, ErrorMessage = "Backfill:UploadLinkMinutes must be between 1 and 1440.")]
    public int UploadLinkMinutes { get; init; } = 15;

    /// <summary>Attempts per chunk before the job is marked failed (then it can be resumed).</summary>
    [Range(1, 20, ErrorMessage = "Backfill:RetryAttempts must be between 1 and 20.")]
    public int RetryAttempts { get; init; } = 3;

    /// <summary>Wait before the first retry of a chunk; doubles each time.</summary>
    [Range(0.1, 3600, ErrorMessage = "Backfill:RetryFirstIntervalSeconds must be between 0.1 and 3600.")]
    public double RetryFirstIntervalSeconds { get; init; } = 5;

    /// <summary>
    /// Age after which a blob under <c>uploads/</c> or <c>errors/</c> that no job names is deleted by
    /// <see cref="BackfillOrphans"/>; longer than any upload takes to become a job.
    /// </summary>
    [Range(1, 8760, ErrorMessage = "Backfill:OrphanAfterHours must be between 1 and 8760.")]
    public int OrphanAfterHours { get; init; } = 24;
}
