using Impact.Shared.Security;
using Impact.Ingest.Http;
using Azure.Storage.Blobs;
using Impact.Orchestrations.Backfill;
using Impact.Shared.Backfill;
using Impact.Shared.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Impact.Ingest.Backfill;

/// <summary>
/// CSV backfill API (SPEC §B): upload a Kintell export, follow the job, download the rejected
/// rows, pause and resume. The upload is streamed to a blob before the job starts, so the
/// orchestration reads it in chunks and a resume never needs the file again. An import belongs to the
/// uploader's company (an operator's to none); a company administrator reaches only its own company's
/// imports (another's is the same 404 as an unknown one), an operator every import. Changes are audited
/// under the token's principal.
/// </summary>
public sealed partial class BackfillImports(BackfillJobStore jobs, BackfillUploads uploads, BlobServiceClient blobs,
    IOptions<BackfillOptions> options, ILogger<BackfillImports> logger)
{
    private const string What = "import job";

    [RequireRole(Roles.CompanyAdmin, Roles.Operator)]
    [Query("fileName", typeof(string), Description = "The file's name for a raw body (a multipart file part brings its own).")]
    [Body(typeof(Stream), ContentType = "text/csv", Description = "The CSV file (raw, or as the file part of multipart/form-data).")]
    [Returns(StatusCodes.Status202Accepted, typeof(ImportStarted), Description = "Stored; the import runs. `Location` is the status URL.")]
    [Problems(StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType)]
    [Idempotent]
    [Function(nameof(ImportKintellSessions))]
    public Task<IActionResult> ImportKintellSessions(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "imports/kintell-sessions")] HttpRequest request,
        [DurableClient] DurableTaskClient client, CancellationToken ct) =>
        StartAsync(request, client, BackfillKinds.KintellSessions, ct);

    [RequireRole(Roles.CompanyAdmin, Roles.Operator)]
    [Query("fileName", typeof(string), Description = "The file's name for a raw body (a multipart file part brings its own).")]
    [Body(typeof(Stream), ContentType = "text/csv", Description = "The CSV file (raw, or as the file part of multipart/form-data).")]
    [Returns(StatusCodes.Status202Accepted, typeof(ImportStarted), Description = "Stored; the import runs. `Location` is the status URL.")]
    [Problems(StatusCodes.Status413PayloadTooLarge, StatusCodes.Status415UnsupportedMediaType)]
    [Idempotent]
    [Function(nameof(ImportKintellUsers))]
    public Task<IActionResult> ImportKintellUsers(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "imports/kintell-users")] HttpRequest request,
        [DurableClient] DurableTaskClient client, CancellationToken ct) =>
        StartAsync(request, client, BackfillKinds.KintellUsers, ct);

    [RequireRole(Roles.CompanyAdmin, Roles.Operator)]
    [Returns(StatusCodes.Status200OK, typeof(ImportView))]
    [Function(nameof(GetImport))]
    public async Task<IActionResult> GetImport(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "imports/{jobId}")] HttpRequest request, string jobId, CancellationToken ct)
    {
        var caller = request.Caller();
        var job = await jobs.GetAsync(RouteIds.Guid(jobId, What), caller.ScopeCompany(), ct);
        return ApiResults.Json(StatusCodes.Status200OK, ImportView.From(job));
    }

    [RequireRole(Roles.CompanyAdmin, Roles.Operator)]
    [Returns(StatusCodes.Status200OK, typeof(Stream), ContentType = "text/csv", Description = "The rejected rows: the original columns, `_error_row` and `_error_message`.")]
    [Function(nameof(GetImportErrors))]
    public async Task<IActionResult> GetImportErrors(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "imports/{jobId}/errors")] HttpRequest request, string jobId, CancellationToken ct)
    {
        var caller = request.Caller();
        var job = await jobs.GetAsync(RouteIds.Guid(jobId, What), caller.ScopeCompany(), ct);
        var download = (await blobs.GetBlobContainerClient(job.BlobContainer).GetBlobClient(job.ErrorBlobName)
            .DownloadStreamingAsync(cancellationToken: ct)).Value;
        return ApiResults.Stream(download.Content, download.Details.ContentLength, "text/csv; charset=utf-8",
            Path.GetFileNameWithoutExtension(job.FileName) + "-errors.csv");
    }

    [RequireRole(Roles.CompanyAdmin, Roles.Operator)]
    [Returns(StatusCodes.Status202Accepted, typeof(ImportView), Description = "Pauses after the chunk in hand.")]
    [Problems(StatusCodes.Status409Conflict)]
    [Idempotent]
    [Function(nameof(PauseImport))]
    public async Task<IActionResult> PauseImport(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "imports/{jobId}/pause")] HttpRequest request, string jobId, CancellationToken ct)
    {
        var caller = request.Caller();
        var job = await jobs.PauseAsync(RouteIds.Guid(jobId, What), caller, ct);
        return ApiResults.Json(StatusCodes.Status202Accepted, ImportView.From(job));
    }

    [RequireRole(Roles.CompanyAdmin, Roles.Operator)]
    [Returns(StatusCodes.Status202Accepted, typeof(ImportView), Description = "Resumes from the checkpoint.")]
    [Problems(StatusCodes.Status409Conflict)]
    [Idempotent]
    [Function(nameof(ResumeImport))]
    public async Task<IActionResult> ResumeImport(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "imports/{jobId}/resume")] HttpRequest request, string jobId,
        [DurableClient] DurableTaskClient client, CancellationToken ct)
    {
        var caller = request.Caller();
        var job = await client.ResumeBackfillAsync(jobs, RouteIds.Guid(jobId, What), caller, options.Value, ct);
        LogResumed(logger, job.Id, job.CheckpointRow);
        return ApiResults.Json(StatusCodes.Status202Accepted, ImportView.From(job));
    }

    [RequireRole(Roles.CompanyAdmin, Roles.Operator)]
    [Returns(StatusCodes.Status200OK, typeof(ImportUploadLink), Description = "An upload link: PUT the file to `uploadUrl` (blocks for a large file), then POST `startUrl`.")]
    [Idempotent]
    [Function(nameof(CreateImportUpload))]
    public async Task<IActionResult> CreateImportUpload(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "imports/uploads")] HttpRequest request, CancellationToken ct)
    {
        var link = await uploads.CreateLinkAsync(request.Caller(), ct);
        return ApiResults.Json(StatusCodes.Status200OK, new ImportUploadLink(
            link.UploadId, link.BlobName, link.UploadUrl.OriginalString, link.ExpiresAt, link.MaxBytes, link.SignedWith, "/v1/imports/from-upload"));
    }

    [RequireRole(Roles.CompanyAdmin, Roles.Operator)]
    [Body(typeof(ImportFromUploadRequest))]
    [Returns(StatusCodes.Status202Accepted, typeof(ImportStarted), Description = "The import runs. `Location` is the status URL.")]
    [Problems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict)]
    [Idempotent]
    [Function(nameof(ImportFromUpload))]
    public async Task<IActionResult> ImportFromUpload(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "imports/from-upload")] HttpRequest request,
        [DurableClient] DurableTaskClient client, CancellationToken ct)
    {
        var caller = request.Caller();
        var body = await RequestBody.ReadJsonAsync<ImportFromUploadRequest>(request, ct);
        var (kind, blobName, fileName) = body.Validate();
        var job = await uploads.CreateFromBlobAsync(kind, blobName, fileName, caller, ct);
        return await StartedAsync(client, job, ct);
    }

    private async Task<IActionResult> StartAsync(HttpRequest request, DurableTaskClient client, string kind, CancellationToken ct)
    {
        var caller = request.Caller();
        var upload = await CsvUpload.OpenAsync(request, kind, options.Value.MaxDirectUploadBytes, ct);
        var job = await uploads.CreateAsync(kind, upload.FileName, upload.Body, caller, ct);
        return await StartedAsync(client, job, ct);
    }

    private async Task<IActionResult> StartedAsync(DurableTaskClient client, BackfillJob job, CancellationToken ct)
    {
        var kind = job.Kind;
        await client.StartBackfillAsync(job.Id, options.Value, ct);
        LogStarted(logger, job.Id, kind, job.FileBytes);

        var statusUrl = $"/v1/imports/{job.Id}";
        return ApiResults.Json(StatusCodes.Status202Accepted,
            new ImportStarted(job.Id, kind, job.FileName, job.Status, job.FileBytes, statusUrl, statusUrl + "/errors"),
            new Dictionary<string, string> { ["Location"] = statusUrl });
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Backfill {JobId} ({Kind}) started, {Bytes} bytes")]
    private static partial void LogStarted(ILogger logger, Guid jobId, string kind, long bytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Backfill {JobId} resumed from record {Row}")]
    private static partial void LogResumed(ILogger logger, Guid jobId, long row);
}
