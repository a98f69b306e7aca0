namespace Impact.Shared.Backfill;

/// <summary>A row of <c>impact.backfill_jobs</c>.</summary>
public sealed class BackfillJob
{
    /// <summary>The job id, also the orchestration instance id.</summary>
    public Guid Id { get; init; }
    /// <summary>The company whose administrator uploaded it; null for an operator's (platform-wide) import.</summary>
    public Guid? CompanyId { get; init; }
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
    /// <summary>One of <see cref="BackfillStatus"/>.</summary>
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
    /// <summary>Physical lines consumed up to the checkpoint (header included): the next record starts on the line after.</summary>
    public long CheckpointLine { get; init; }
    /// <summary>The error CSV's delimiter: the input's.</summary>
    public string ErrorDelimiter { get; init; } = ",";
    /// <summary>Whether the error CSV starts with a UTF-8 BOM: when the input did.</summary>
    public bool ErrorBom { get; init; }
    /// <summary>Whether the error CSV's lines end in CRLF: when the input's did.</summary>
    public bool ErrorCrlf { get; init; } = true;
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
    public double Percent => Status == BackfillStatus.Completed || FileBytes == 0 ? 100 : Math.Round(CheckpointOffset * 100.0 / FileBytes, 1);
}
