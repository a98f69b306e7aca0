namespace Impact.Ingest.Backfill;

/// <summary>The answer of <c>POST /v1/imports/uploads</c>: where to upload the file, until when, and where to start the import.</summary>
public sealed record ImportUploadLink(Guid UploadId, string BlobName, string UploadUrl, DateTimeOffset ExpiresAt, long MaxBytes, string SignedWith, string StartUrl);
