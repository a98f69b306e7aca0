using System.Net;
using System.Text.RegularExpressions;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Azure.Storage.Sas;
using Impact.Shared.Http;
using Impact.Shared.Security;
using Microsoft.Extensions.Options;

namespace Impact.Shared.Backfill;

/// <summary>
/// Turns an uploaded file into a pending job. Two ways in: a small file in the request body is streamed to
/// <c>uploads/&lt;jobId&gt;.csv</c>; a file of any size is uploaded by the client straight to Blob Storage with an
/// upload link (<see cref="CreateLinkAsync"/>: a write-only SAS for one new blob in the caller's upload area,
/// <c>incoming/&lt;company id | platform&gt;/&lt;upload id&gt;.csv</c>) and then started from there
/// (<see cref="CreateFromBlobAsync"/>). Either way the header is checked, the error file and the job row are
/// created, and the orchestration then reads the blob in chunks, never the request.
/// </summary>
public sealed partial class BackfillUploads(BackfillJobStore jobs, BlobServiceClient blobs, IOptions<BackfillOptions> options, TimeProvider clock)
{
    private const string UploadArea = "incoming";

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

        var size = (await upload.GetPropertiesAsync(cancellationToken: ct)).Value.ContentLength;
        return await RegisterAsync(jobId, kind, fileName, container, upload, size, $"errors/{jobId}.csv", caller, ct);
    }

    /// <summary>
    /// An upload link for <paramref name="caller"/>: a new blob name in the caller's upload area and a SAS that may
    /// only create and write that blob, valid for <see cref="BackfillOptions.UploadLinkMinutes"/>. Signed with the
    /// account key when the storage client has one (Azurite, connection strings: a service SAS), otherwise with a
    /// user delegation key (managed identity in Azure; the identity needs <c>generateUserDelegationKey</c>, which
    /// Storage Blob Data Owner/Contributor include). Audited as <c>import.upload-link</c>; a 403 when the token's
    /// company is not one the platform knows.
    /// </summary>
    public async Task<BackfillUploadLink> CreateLinkAsync(Caller caller, CancellationToken ct = default)
    {
        var o = options.Value;
        var uploadId = Guid.NewGuid();
        var blobName = $"{UploadArea}/{Area(caller)}/{uploadId}.csv";
        var container = blobs.GetBlobContainerClient(o.Container);
        await container.CreateIfNotExistsAsync(cancellationToken: ct);
        var blob = container.GetBlobClient(blobName);
        var expiresAt = clock.GetUtcNow().AddMinutes(o.UploadLinkMinutes);
        var sas = new BlobSasBuilder(BlobSasPermissions.Create | BlobSasPermissions.Write, expiresAt)
        {
            BlobContainerName = container.Name,
            BlobName = blobName,
            Resource = "b",
            Protocol = blob.Uri.Scheme == Uri.UriSchemeHttps ? SasProtocol.Https : SasProtocol.HttpsAndHttp,
        };

        Uri url;
        string signedWith;
        if (blob.CanGenerateSasUri)
        {
            url = blob.GenerateSasUri(sas);
            signedWith = "account-key";
        }
        else
        {
            // No account key (managed identity): a user delegation key, valid no longer than the link.
            var key = await blobs.GetUserDelegationKeyAsync(startsOn: null, expiresOn: expiresAt, cancellationToken: ct);
            url = new BlobUriBuilder(blob.Uri) { Sas = sas.ToSasQueryParameters(key.Value, blobs.AccountName) }.ToUri();
            signedWith = "user-delegation";
        }

        await jobs.RecordUploadLinkAsync(uploadId, blobName, expiresAt, caller, ct);
        return new BackfillUploadLink(uploadId, blobName, url, expiresAt, o.MaxUploadBytes, signedWith);
    }

    /// <summary>
    /// Records a pending job of <paramref name="kind"/> for the file a client uploaded with an upload link; the job's
    /// id is the upload's, so an upload is imported once (a second start is a 409). 400 a name that is not an upload
    /// link's, or an empty file or one without the required columns (deleted then); 404 no such blob in the caller's
    /// upload area (another company's, never uploaded, or its link expired before the upload was committed);
    /// 413 over <see cref="BackfillOptions.MaxUploadBytes"/>.
    /// </summary>
    public async Task<BackfillJob> CreateFromBlobAsync(string kind, string blobName, string? fileName, Caller caller, CancellationToken ct = default)
    {
        var o = options.Value;
        var match = UploadName().Match(blobName);
        if (!match.Success || !Guid.TryParse(match.Groups["id"].Value, out var uploadId))
        {
            throw ProblemException.Validation("blobName is not the name of an upload link.",
                new Dictionary<string, string[]> { ["blobName"] = ["must be the blobName returned by POST /v1/imports/uploads"] });
        }

        // Another company's upload is the same 404 as one that does not exist.
        if (!string.Equals(match.Groups["area"].Value, Area(caller), StringComparison.OrdinalIgnoreCase))
        {
            throw NoUpload(blobName);
        }

        if (await jobs.FindAsync(uploadId, ct) is not null)
        {
            throw AlreadyStarted(uploadId);
        }

        var container = blobs.GetBlobContainerClient(o.Container);
        var upload = container.GetBlobClient(blobName);
        long size;
        try
        {
            size = (await upload.GetPropertiesAsync(cancellationToken: ct)).Value.ContentLength;
        }
        catch (RequestFailedException e) when (e.Status == (int)HttpStatusCode.NotFound)
        {
            throw NoUpload(blobName);
        }

        if (size == 0)
        {
            throw ProblemException.Validation("The uploaded file is empty.",
                new Dictionary<string, string[]> { ["blobName"] = ["the blob has no content; upload the CSV and commit its blocks first"] });
        }

        if (size > o.MaxUploadBytes)
        {
            throw RequestBody.TooLarge(o.MaxUploadBytes, "Imports are limited by Backfill:MaxUploadBytes; split the file and import the parts.");
        }

        var name = string.IsNullOrWhiteSpace(fileName) ? $"{kind}.csv" : Path.GetFileName(fileName.Trim());
        // Its own error blob name: two racing starts of one upload never write to each other's error file.
        return await RegisterAsync(uploadId, kind, name, container, upload, size, $"errors/{uploadId}-{Guid.NewGuid():N}.csv", caller, ct);
    }

    private async Task<BackfillJob> RegisterAsync(Guid jobId, string kind, string fileName, BlobContainerClient container, BlobClient upload,
        long size, string errorBlobName, Caller caller, CancellationToken ct)
    {
        var errorBlob = container.GetBlockBlobClient(errorBlobName);
        try
        {
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

            await ErrorFile.CreateAsync(errorBlob, header.Columns, ErrorFileFormat.Of(header), ct);
            return await jobs.CreateAsync(jobId, kind, fileName, container.Name, upload.Name, size, header, errorBlob.Name, caller, ct);
        }
        catch (ProblemException p) when (p.Status == HttpStatusCode.Conflict)
        {
            // A second start of the same upload lost the race: the first one's job keeps the uploaded file.
            await errorBlob.DeleteIfExistsAsync(cancellationToken: CancellationToken.None);
            throw;
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

    // The folder of the caller's uploads: its company, or "platform" for an operator (imports of no company).
    private static string Area(Caller caller) => caller.ScopeCompany()?.ToString() ?? "platform";

    private static ProblemException NoUpload(string blobName) => ProblemException.NotFound(
        $"No uploaded file named '{blobName}' is in your upload area: it was never committed, its upload link expired before the upload finished, or it is not yours. Ask for a new upload link and upload again.");

    private static ProblemException AlreadyStarted(Guid id) => new(HttpStatusCode.Conflict, "The upload is already imported",
        $"An import was already started from this upload: see /v1/imports/{id}. Ask for a new upload link to import a file again.");

    [GeneratedRegex("^incoming/(?<area>[0-9a-zA-Z-]{1,36})/(?<id>[0-9a-fA-F-]{36})\\.csv$", RegexOptions.CultureInvariant)]
    private static partial Regex UploadName();
}
