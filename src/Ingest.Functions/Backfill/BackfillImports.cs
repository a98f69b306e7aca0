using System.Net;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;
using Impact.Orchestrations.Backfill;
using Impact.Shared.Backfill;
using Impact.Shared.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Microsoft.Net.Http.Headers;
using Npgsql;

namespace Impact.Ingest.Backfill;

/// <summary>
/// CSV backfill API (SPEC §B): upload a Kintell export, follow the job, download the rejected
/// rows, pause and resume. The upload is streamed to a blob before the job starts, so the
/// orchestration reads it in chunks and a resume never needs the file again.
/// </summary>
public sealed partial class BackfillImports(NpgsqlDataSource dataSource, BlobServiceClient blobs,
    IOptions<BackfillOptions> options, ILogger<BackfillImports> logger)
{
    private static readonly string[] CsvContentTypes = ["text/csv", "application/csv", "text/plain", "application/octet-stream", "application/vnd.ms-excel"];

    [Function(nameof(ImportKintellSessions))]
    public Task<IActionResult> ImportKintellSessions(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "imports/kintell-sessions")] HttpRequest request,
        [DurableClient] DurableTaskClient client) =>
        StartAsync(request, client, BackfillKinds.KintellSessions);

    [Function(nameof(ImportKintellUsers))]
    public Task<IActionResult> ImportKintellUsers(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "imports/kintell-users")] HttpRequest request,
        [DurableClient] DurableTaskClient client) =>
        StartAsync(request, client, BackfillKinds.KintellUsers);

    [Function(nameof(GetImport))]
    public async Task<IActionResult> GetImport(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "imports/{jobId}")] HttpRequest request, string jobId)
    {
        var job = await FindAsync(jobId, request.HttpContext.RequestAborted);
        return ApiResults.Json(StatusCodes.Status200OK, View(job));
    }

    [Function(nameof(GetImportErrors))]
    public async Task<IActionResult> GetImportErrors(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "imports/{jobId}/errors")] HttpRequest request, string jobId)
    {
        var job = await FindAsync(jobId, request.HttpContext.RequestAborted);
        var blob = blobs.GetBlobContainerClient(job.BlobContainer).GetBlobClient(job.ErrorBlobName);
        var download = await blob.DownloadStreamingAsync(cancellationToken: request.HttpContext.RequestAborted);
        var name = Path.GetFileNameWithoutExtension(job.FileName) + "-errors.csv";
        return new BlobStreamResult(download.Value.Content, download.Value.Details.ContentLength, "text/csv; charset=utf-8",
            new ContentDispositionHeaderValue("attachment") { FileNameStar = name }.ToString());
    }

    [Function(nameof(PauseImport))]
    public async Task<IActionResult> PauseImport(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "imports/{jobId}/pause")] HttpRequest request, string jobId)
    {
        var job = await FindAsync(jobId, request.HttpContext.RequestAborted);
        var before = await BackfillJobs.PauseAsync(dataSource, job.Id, request.HttpContext.RequestAborted);
        return before switch
        {
            "pending" or "running" or "paused" => ApiResults.Json(StatusCodes.Status202Accepted,
                View((await BackfillJobs.GetAsync(dataSource, job.Id, request.HttpContext.RequestAborted))!)),
            _ => throw new ProblemException(HttpStatusCode.Conflict, "The import cannot be paused",
                $"Import {job.Id} is {before}; only a pending or running import can be paused."),
        };
    }

    [Function(nameof(ResumeImport))]
    public async Task<IActionResult> ResumeImport(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "imports/{jobId}/resume")] HttpRequest request, string jobId,
        [DurableClient] DurableTaskClient client)
    {
        var ct = request.HttpContext.RequestAborted;
        var job = await FindAsync(jobId, ct);
        if (job.Status == "completed")
        {
            throw new ProblemException(HttpStatusCode.Conflict, "The import is already complete",
                $"Import {job.Id} finished at {job.CompletedAt:u}; upload the file again to import it again.");
        }

        var instance = await client.GetInstanceAsync(job.Id.ToString(), ct);
        var alive = instance is { IsRunning: true } || instance?.RuntimeStatus == OrchestrationRuntimeStatus.Pending
            || instance?.RuntimeStatus == OrchestrationRuntimeStatus.Suspended;
        if (job.Status is "pending" or "running" && alive)
        {
            throw new ProblemException(HttpStatusCode.Conflict, "The import is already running",
                $"Import {job.Id} is {job.Status}; there is nothing to resume.");
        }

        if (job.Status == "failed" && alive)
        {
            // It has marked the job failed but not finished yet: a resume event now would be lost.
            throw new ProblemException(HttpStatusCode.Conflict, "The import is still stopping",
                $"Import {job.Id} failed a moment ago and is still shutting down; try again in a few seconds.")
            {
                Headers = new Dictionary<string, string> { ["Retry-After"] = "2" },
            };
        }

        await BackfillJobs.ResumeAsync(dataSource, job.Id, ct);
        if (alive)
        {
            // Paused: the orchestration waits for this event, then re-reads the job row.
            await client.RaiseEventAsync(job.Id.ToString(), BackfillOrchestrator.ResumeEvent, true, ct);
        }
        else
        {
            // Failed (or the orchestration is gone): a new run of the same instance id continues from the checkpoint.
            if (instance is not null)
            {
                await client.PurgeInstanceAsync(job.Id.ToString(), cancellation: ct);
            }

            await ScheduleAsync(client, job.Id, ct);
        }

        LogResumed(logger, job.Id, job.Status);
        return ApiResults.Json(StatusCodes.Status202Accepted, View((await BackfillJobs.GetAsync(dataSource, job.Id, ct))!));
    }

    private async Task<IActionResult> StartAsync(HttpRequest request, DurableTaskClient client, string kind)
    {
        var ct = request.HttpContext.RequestAborted;
        var o = options.Value;
        if (request.ContentLength > o.MaxUploadBytes)
        {
            throw TooLarge(o.MaxUploadBytes);
        }

        var (body, fileName) = await OpenUploadAsync(request, kind, ct);
        var jobId = Guid.NewGuid();
        var container = blobs.GetBlobContainerClient(o.Container);
        await container.CreateIfNotExistsAsync(cancellationToken: ct);
        var upload = container.GetBlobClient($"uploads/{jobId}.csv");
        await using (var limited = new LimitedStream(body, o.MaxUploadBytes))
        {
            await upload.UploadAsync(limited, new BlobUploadOptions
            {
                HttpHeaders = new BlobHttpHeaders { ContentType = "text/csv" },
                Metadata = new Dictionary<string, string> { ["kind"] = kind },
            }, ct);
        }

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
            await upload.DeleteIfExistsAsync(cancellationToken: ct);
            throw ProblemException.Validation(
                header is null ? "The file is empty." : $"The header lacks required columns: {string.Join(", ", missing)}.",
                new Dictionary<string, string[]>
                {
                    ["header"] = [$"Expected columns: {string.Join(",", BackfillKinds.Columns(kind))} (comma or semicolon separated)."],
                });
        }

        var errorBlobName = $"errors/{jobId}.csv";
        await ErrorFile.CreateAsync(container.GetBlockBlobClient(errorBlobName), header.Columns, ct);
        await BackfillJobs.CreateAsync(dataSource, jobId, kind, fileName, o.Container, upload.Name, size, header, errorBlobName, ct);
        await ScheduleAsync(client, jobId, ct);
        LogStarted(logger, jobId, kind, size);

        var statusUrl = $"/v1/imports/{jobId}";
        return ApiResults.Json(StatusCodes.Status202Accepted,
            new { jobId, kind, fileName, status = "pending", fileBytes = size, statusUrl, errorsUrl = statusUrl + "/errors" },
            new Dictionary<string, string> { ["Location"] = statusUrl });
    }

    private Task ScheduleAsync(DurableTaskClient client, Guid jobId, CancellationToken ct) =>
        client.ScheduleNewOrchestrationInstanceAsync(nameof(BackfillOrchestrator),
            new BackfillRun(jobId, options.Value.RetryAttempts, options.Value.RetryFirstIntervalSeconds),
            new StartOrchestrationOptions(jobId.ToString()), ct);

    private static async Task<(Stream Body, string FileName)> OpenUploadAsync(HttpRequest request, string kind, CancellationToken ct)
    {
        var defaultName = request.Query["fileName"] is { Count: > 0 } q && !string.IsNullOrWhiteSpace(q[0]) ? q[0]! : kind + ".csv";
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type))
        {
            return (request.Body, defaultName);
        }

        if (type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            var boundary = HeaderUtilities.RemoveQuotes(type.Boundary).Value;
            if (string.IsNullOrEmpty(boundary))
            {
                throw new ProblemException(HttpStatusCode.BadRequest, "The upload could not be read", "The multipart body has no boundary.");
            }

            var reader = new MultipartReader(boundary, request.Body);
            while (await reader.ReadNextSectionAsync(ct) is { } section)
            {
                if (ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                    && disposition.IsFileDisposition())
                {
                    var name = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
                    return (section.Body, string.IsNullOrWhiteSpace(name) ? defaultName : Path.GetFileName(name));
                }
            }

            throw new ProblemException(HttpStatusCode.BadRequest, "The upload could not be read",
                "The multipart body has no file part; send the CSV as a form field with a file name (curl -F file=@sessions.csv).");
        }

        if (!CsvContentTypes.Contains(type.MediaType.Value, StringComparer.OrdinalIgnoreCase))
        {
            throw new ProblemException(HttpStatusCode.UnsupportedMediaType, "Send a CSV file",
                $"Content type {type.MediaType} is not accepted; send text/csv or multipart/form-data.");
        }

        return (request.Body, defaultName);
    }

    private async Task<BackfillJob> FindAsync(string jobId, CancellationToken ct) =>
        Guid.TryParse(jobId, out var id) && await BackfillJobs.GetAsync(dataSource, id, ct) is { } job
            ? job
            : throw ProblemException.NotFound($"There is no import job with id '{jobId}'.");

    private static object View(BackfillJob job) => new
    {
        jobId = job.Id,
        job.Kind,
        job.FileName,
        job.Status,
        job.Percent,
        job.TotalRows,
        job.ProcessedRows,
        job.SucceededRows,
        job.FailedRows,
        checkpoint = new { offset = job.CheckpointOffset, row = job.CheckpointRow },
        job.FileBytes,
        job.LastError,
        errorsUrl = $"/v1/imports/{job.Id}/errors",
        createdAt = AsUtc(job.CreatedAt),
        startedAt = AsUtc(job.StartedAt),
        completedAt = AsUtc(job.CompletedAt),
        updatedAt = AsUtc(job.UpdatedAt),
    };

    private static DateTimeOffset? AsUtc(DateTime? value) => value is { } v ? new DateTimeOffset(DateTime.SpecifyKind(v, DateTimeKind.Utc)) : null;

    private static ProblemException TooLarge(long max) => new(HttpStatusCode.RequestEntityTooLarge, "The file is too large",
        $"Uploads are limited to {max} bytes (Backfill:MaxUploadBytes); split the file and import the parts.");

    [LoggerMessage(Level = LogLevel.Information, Message = "Backfill {JobId} ({Kind}) started, {Bytes} bytes")]
    private static partial void LogStarted(ILogger logger, Guid jobId, string kind, long bytes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Backfill {JobId} resumed from {Status}")]
    private static partial void LogResumed(ILogger logger, Guid jobId, string status);

    /// <summary>Counts what passes through and stops with a 413 past the limit, so a body without Content-Length cannot fill the storage.</summary>
    private sealed class LimitedStream(Stream inner, long max) : Stream
    {
        private long total;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => total; set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            var n = await inner.ReadAsync(buffer, cancellationToken);
            total += n;
            return total > max ? throw TooLarge(max) : n;
        }

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

        public override int Read(byte[] buffer, int offset, int count) => ReadAsync(buffer, offset, count).GetAwaiter().GetResult();
        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }

    /// <summary>Streams a blob to the response without holding it in memory.</summary>
    private sealed class BlobStreamResult(Stream content, long length, string contentType, string disposition) : IActionResult
    {
        public async Task ExecuteResultAsync(ActionContext context)
        {
            var response = context.HttpContext.Response;
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = contentType;
            response.ContentLength = length;
            response.Headers.ContentDisposition = disposition;
            await using (content)
            {
                await content.CopyToAsync(response.Body, context.HttpContext.RequestAborted);
            }
        }
    }
}
