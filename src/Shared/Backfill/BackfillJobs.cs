using Dapper;
using Npgsql;

namespace Impact.Shared.Backfill;

/// <summary>The kinds of file a backfill accepts.</summary>
public static class BackfillKinds
{
    /// <summary>The Kintell sessions export.</summary>
    public const string KintellSessions = "kintell-sessions";

    /// <summary>The Kintell users export.</summary>
    public const string KintellUsers = "kintell-users";

    /// <summary>Column names of a kind, in the partner's order.</summary>
    public static IReadOnlyList<string> Columns(string kind) => kind switch
    {
        KintellSessions => KintellSessionRows.Columns,
        KintellUsers => KintellUserRows.Columns,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown backfill kind"),
    };

    /// <summary>Columns a file of this kind must have.</summary>
    public static IReadOnlyList<string> RequiredColumns(string kind) => kind switch
    {
        KintellSessions => KintellSessionRows.RequiredColumns,
        KintellUsers => KintellUserRows.RequiredColumns,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown backfill kind"),
    };
}

/// <summary>A row of <c>impact.backfill_jobs</c>.</summary>
public sealed class BackfillJob
{
    /// <summary>The job id, also the orchestration instance id.</summary>
    public Guid Id { get; init; }
    /// <summary>See <see cref="BackfillKinds"/>.</summary>
    public string Kind { get; init; } = "";
    /// <summary>The uploaded file's name.</summary>
    public string FileName { get; init; } = "";
    /// <summary>Container of the uploaded file and the error file.</summary>
    public string BlobContainer { get; init; } = "";
    /// <summary>The uploaded file.</summary>
    public string BlobName { get; init; } = "";
    /// <summary>Size of the uploaded file.</summary>
    public long FileBytes { get; init; }
    /// <summary>"," or ";".</summary>
    public string Delimiter { get; init; } = ",";
    /// <summary>The header's column names in file order.</summary>
    public string[] Columns { get; init; } = [];
    /// <summary><c>pending</c>, <c>running</c>, <c>paused</c>, <c>completed</c> or <c>failed</c>.</summary>
    public string Status { get; init; } = "";
    /// <summary>Data rows in the file (blank lines not counted); known once the file has been read to the end.</summary>
    public long? TotalRows { get; init; }
    /// <summary>Rows read so far.</summary>
    public long ProcessedRows { get; init; }
    /// <summary>Rows loaded.</summary>
    public long SucceededRows { get; init; }
    /// <summary>Rows rejected (in the error file).</summary>
    public long FailedRows { get; init; }
    /// <summary>Byte offset where the next chunk starts.</summary>
    public long CheckpointOffset { get; init; }
    /// <summary>Number of the last record consumed (header = 1).</summary>
    public long CheckpointRow { get; init; }
    /// <summary>The error CSV's blob name.</summary>
    public string ErrorBlobName { get; init; } = "";
    /// <summary>Why the job failed, if it did.</summary>
    public string? LastError { get; init; }
    /// <summary>When the file was uploaded.</summary>
    public DateTime CreatedAt { get; init; }
    /// <summary>When the first chunk was loaded.</summary>
    public DateTime? StartedAt { get; init; }
    /// <summary>When the last chunk was loaded.</summary>
    public DateTime? CompletedAt { get; init; }
    /// <summary>Last change.</summary>
    public DateTime UpdatedAt { get; init; }

    /// <summary>How far through the file the job is, by bytes, 0–100.</summary>
    public double Percent => Status == "completed" || FileBytes == 0 ? 100 : Math.Round(CheckpointOffset * 100.0 / FileBytes, 1);
}

/// <summary>Queries on <c>impact.backfill_jobs</c>.</summary>
public static class BackfillJobs
{
    internal const string SelectColumns =
        """
        id AS Id, kind AS Kind, file_name AS FileName, blob_container AS BlobContainer, blob_name AS BlobName,
        file_bytes AS FileBytes, delimiter AS Delimiter, columns AS Columns, status AS Status, total_rows AS TotalRows,
        processed_rows AS ProcessedRows, succeeded_rows AS SucceededRows, failed_rows AS FailedRows,
        checkpoint_offset AS CheckpointOffset, checkpoint_row AS CheckpointRow, error_blob_name AS ErrorBlobName,
        last_error AS LastError, created_at AS CreatedAt, started_at AS StartedAt, completed_at AS CompletedAt, updated_at AS UpdatedAt
        """;

    /// <summary>Records a new job in <c>pending</c>, its checkpoint at the first data record.</summary>
    public static async Task CreateAsync(NpgsqlDataSource dataSource, Guid id, string kind, string fileName, string container,
        string blobName, long fileBytes, CsvHeader header, string errorBlobName, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO impact.backfill_jobs
                (id, kind, file_name, blob_container, blob_name, file_bytes, delimiter, columns, checkpoint_offset, checkpoint_row, error_blob_name)
            VALUES (@id, @kind, @fileName, @container, @blobName, @fileBytes, @delimiter, @columns, @offset, 1, @errorBlobName)
            """,
            new
            {
                id, kind, fileName, container, blobName, fileBytes, delimiter = header.Delimiter.ToString(),
                columns = header.Columns.ToArray(), offset = header.DataOffset, errorBlobName,
            }, cancellationToken: ct));
    }

    /// <summary>The job, or <c>null</c>.</summary>
    public static async Task<BackfillJob?> GetAsync(NpgsqlDataSource dataSource, Guid id, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        return await conn.QuerySingleOrDefaultAsync<BackfillJob>(new CommandDefinition(
            $"SELECT {SelectColumns} FROM impact.backfill_jobs WHERE id = @id", new { id }, cancellationToken: ct));
    }

    /// <summary>
    /// Moves a pending or running job to <c>paused</c>; the orchestration stops after the chunk in
    /// hand. Returns the status before the call (<c>null</c> = no such job).
    /// </summary>
    public static Task<string?> PauseAsync(NpgsqlDataSource dataSource, Guid id, CancellationToken ct = default) =>
        TransitionAsync(dataSource, id, ["pending", "running"], "paused", ct);

    /// <summary>
    /// Moves a paused or failed job back to <c>running</c> (keeping its checkpoint and counts).
    /// Returns the status before the call (<c>null</c> = no such job).
    /// </summary>
    public static Task<string?> ResumeAsync(NpgsqlDataSource dataSource, Guid id, CancellationToken ct = default) =>
        TransitionAsync(dataSource, id, ["paused", "failed"], "running", ct);

    /// <summary>Marks the job failed with a reason a person can act on.</summary>
    public static async Task MarkFailedAsync(NpgsqlDataSource dataSource, Guid id, string error, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE impact.backfill_jobs SET status = 'failed', last_error = @error, updated_at = now()
            WHERE id = @id AND status <> 'completed'
            """, new { id, error }, cancellationToken: ct));
    }

    private static async Task<string?> TransitionAsync(NpgsqlDataSource dataSource, Guid id, string[] from, string to, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        // One statement decides: the old status comes from the row lock, not a separate read.
        return await conn.ExecuteScalarAsync<string?>(new CommandDefinition(
            """
            WITH old AS (SELECT id, status FROM impact.backfill_jobs WHERE id = @id FOR UPDATE),
                 changed AS (
                     UPDATE impact.backfill_jobs j SET status = @to, last_error = CASE WHEN @to = 'running' THEN NULL ELSE j.last_error END,
                            updated_at = now()
                     FROM old WHERE j.id = old.id AND old.status = ANY(@from)
                     RETURNING j.id)
            SELECT status FROM old
            """, new { id, from, to }, cancellationToken: ct));
    }
}
