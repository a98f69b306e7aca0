using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Impact.Shared.Http;
using Impact.Shared.Security;
using Microsoft.Extensions.Options;

namespace Impact.Shared.Backfill;

/// <summary>
/// Turns an uploaded file into a pending job: streams it to <c>uploads/&lt;jobId&gt;.csv</c>, checks its
/// header, creates the error file and the job row. The orchestration then reads the blob, never the upload.
/// </summary>
public sealed class BackfillUploads(BackfillJobStore jobs, BlobServiceClient blobs, IOptions<BackfillOptions> options)
{
    /// <summary>
    /// Stores <paramref name="file"/> and records a pending job of <paramref name="kind"/> for <paramref name="caller"/>'s
    /// company (audited as theirs); returns it. A file that is empty or lacks a required column is deleted again
    /// and answered with a 400 naming the columns; a job that cannot be recorded, for whatever reason, leaves no blobs behind.
    /// </summary>
    public async Task<BackfillJob> CreateAsync(string kind, string fileName, Stream file, Caller caller, CancellationToken ct = default)
    {
        var jobId = Guid.NewGuid();
        var container = blobs.GetBlobContainerClient(options.Value.Container);
        await container.CreateIfNotExistsAsync(cancellationToken: ct);
        var upload = container.GetBlobClient($"uploads/{jobId}.csv");
        await upload.UploadAsync(file, new BlobUploadOptions
        {
            HttpHeaders = new BlobHttpHeaders { ContentType = "text/csv" },
            Metadata = new Dictionary<string, string> { ["kind"] = kind },
        }, ct);

        var errorBlob = container.GetBlockBlobClient($"errors/{jobId}.csv");
        try
        {
            var size = (await upload.GetPropertiesAsync(cancellationToken: ct)).Value.ContentLength;
            CsvHeader? header;
            await using (var head = await upload.OpenReadAsync(cancellationToken: ct))
            {
                header = await CsvHeader.ReadAsync(head, ct);
            }

            var missing = header is null ? BackfillKinds.RequiredColumns(kind)
                : BackfillKinds.RequiredColumns(kind).Where(c => !header.Columns.Contains(c, StringComparer.OrdinalIgnoreCase)).ToList();
            if (header is null || missing.Count > 0)
            {
                throw ProblemException.Validation(
                    header is null ? "The file is empty." : $"The header lacks required columns: {string.Join(", ", missing)}.",
                    new Dictionary<string, string[]>
                    {
                        ["header"] = [$"Expected columns: {string.Join(",", BackfillKinds.Columns(kind))} (comma or semicolon separated)."],
                    });
            }

            await ErrorFile.CreateAsync(errorBlob, header.Columns, ct);
            return await jobs.CreateAsync(jobId, kind, fileName, container.Name, upload.Name, size, header, errorBlob.Name, caller, ct);
        }
        catch
        {
            // Whatever failed (a bad header, a database outage, a cancelled request), no job row names these blobs, so
            // erasure would never scan them: delete them now. If this process dies first, BackfillOrphans sweeps them.
            await upload.DeleteIfExistsAsync(cancellationToken: CancellationToken.None);
            await errorBlob.DeleteIfExistsAsync(cancellationToken: CancellationToken.None);
            throw;
        }
    }
}
