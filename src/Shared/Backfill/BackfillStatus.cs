namespace Impact.Shared.Backfill;

/// <summary>The statuses of a backfill job (<c>impact.backfill_jobs.status</c>).</summary>
public static class BackfillStatus
{
    /// <summary>Uploaded; no chunk loaded yet.</summary>
    public const string Pending = "pending";

    /// <summary>At least one chunk loaded, more to come.</summary>
    public const string Running = "running";

    /// <summary>Stopped after a chunk on request; waits for a resume.</summary>
    public const string Paused = "paused";

    /// <summary>The whole file has been read.</summary>
    public const string Completed = "completed";

    /// <summary>A chunk ran out of retries; can be resumed from its checkpoint.</summary>
    public const string Failed = "failed";
}
