namespace Impact.Shared.Backfill;

/// <summary>Where and until when a caller may upload one file for an import (see <see cref="BackfillUploads.CreateLinkAsync"/>).</summary>
/// <param name="UploadId">The upload's id; the job started from it gets the same id.</param>
/// <param name="BlobName">The blob to write, inside the caller's upload area; pass it to start the import.</param>
/// <param name="UploadUrl">The blob's URL with a SAS that may only create and write it.</param>
/// <param name="ExpiresAt">When the SAS stops working.</param>
/// <param name="MaxBytes">The largest file an import accepts (<see cref="BackfillOptions.MaxUploadBytes"/>).</param>
/// <param name="SignedWith"><c>account-key</c> (a service SAS) or <c>user-delegation</c> (managed identity).</param>
public sealed record BackfillUploadLink(Guid UploadId, string BlobName, Uri UploadUrl, DateTimeOffset ExpiresAt, long MaxBytes, string SignedWith);
