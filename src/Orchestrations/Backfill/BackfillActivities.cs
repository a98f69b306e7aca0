using Impact.Shared.Backfill;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;

namespace Impact.Orchestrations.Backfill;

/// <summary>Imports the next chunks of a job (see <see cref="BackfillChunkImporter"/>).</summary>
public sealed partial class ImportBackfillChunk(BackfillChunkImporter importer, ILogger<ImportBackfillChunk> logger)
    : TaskActivity<Guid, BackfillProgress>
{
    public override async Task<BackfillProgress> RunAsync(TaskActivityContext context, Guid jobId)
    {
        var job = await importer.ImportChunksAsync(jobId);
        LogChunk(logger, jobId, job.Status, job.ProcessedRows, job.FailedRows, job.Percent);
        return new BackfillProgress(job.Status, job.ProcessedRows, job.SucceededRows, job.FailedRows, job.Percent);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Backfill {JobId}: {Status}, {ProcessedRows} rows read, {FailedRows} rejected, {Percent}%")]
    private static partial void LogChunk(ILogger logger, Guid jobId, string status, long processedRows, long failedRows, double percent);
}

/// <summary>Why a job stopped.</summary>
public sealed record BackfillFailure(Guid JobId, string Reason);

/// <summary>Marks a job failed after its chunk ran out of retries.</summary>
public sealed partial class MarkBackfillFailed(BackfillJobStore jobs, ILogger<MarkBackfillFailed> logger) : TaskActivity<BackfillFailure, bool>
{
    public override async Task<bool> RunAsync(TaskActivityContext context, BackfillFailure failure)
    {
        LogFailed(logger, failure.JobId, failure.Reason);
        await jobs.MarkFailedAsync(failure.JobId, failure.Reason);
        return true;
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Backfill {JobId} failed: {Reason}")]
    private static partial void LogFailed(ILogger logger, Guid jobId, string reason);
}
