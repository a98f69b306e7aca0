namespace Impact.Ingest.Backfill;

/// <summary>The answer to an upload: the new job and where to follow it.</summary>
public sealed record ImportStarted(Guid JobId, string Kind, string FileName, string Status, long FileBytes, string StatusUrl, string ErrorsUrl);
