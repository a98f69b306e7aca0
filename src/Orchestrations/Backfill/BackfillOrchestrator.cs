using Impact.Shared.Backfill;
using Microsoft.DurableTask;

namespace Impact.Orchestrations.Backfill;

/// <summary>What the orchestration is started with; the instance id is the job id.</summary>
/// <param name="JobId">The <c>impact.backfill_jobs</c> row.</param>
/// <param name="RetryAttempts">Attempts per chunk (from <see cref="BackfillOptions"/>).</param>
/// <param name="RetryFirstIntervalSeconds">First retry delay, doubling (from <see cref="BackfillOptions"/>).</param>
public sealed record BackfillRun(Guid JobId, int RetryAttempts, double RetryFirstIntervalSeconds);

/// <summary>Where the job stands after a chunk.</summary>
public sealed record BackfillProgress(string Status, long ProcessedRows, long SucceededRows, long FailedRows, double Percent);

/// <summary>
/// Imports a CSV chunk by chunk. Each generation runs one import activity (a few chunks, each
/// committed on its own) and continues as new, so the history stays a few events long however
/// big the file is; all state (checkpoint, counts, status) lives in the job row, written with
/// the chunk's rows. Paused: waits for the
/// <see cref="ResumeEvent"/>, then asks the database again. A chunk that keeps failing marks
/// the job failed; resuming it starts a new instance that continues from the checkpoint.
/// Started and resumed through <see cref="BackfillStarts"/>.
/// </summary>
public sealed class BackfillOrchestrator : TaskOrchestrator<BackfillRun, BackfillProgress?>
{
    public const string ResumeEvent = "resume";

    public override async Task<BackfillProgress?> RunAsync(TaskOrchestrationContext context, BackfillRun run)
    {
        var retry = TaskOptions.FromRetryPolicy(new RetryPolicy(
            run.RetryAttempts, TimeSpan.FromSeconds(run.RetryFirstIntervalSeconds), backoffCoefficient: 2));

        BackfillProgress progress;
        try
        {
            progress = await context.CallActivityAsync<BackfillProgress>(nameof(ImportBackfillChunk), run.JobId, retry);
        }
        catch (TaskFailedException e)
        {
            var reason = $"A chunk failed {run.RetryAttempts} time(s): {e.FailureDetails.ErrorMessage}";
            await context.CallActivityAsync(nameof(MarkBackfillFailed), new BackfillFailure(run.JobId, reason), retry);
            return new BackfillProgress(BackfillStatus.Failed, 0, 0, 0, 0);
        }

        context.SetCustomStatus(progress);
        switch (progress.Status)
        {
            case BackfillStatus.Completed or BackfillStatus.Failed:
                return progress;
            case BackfillStatus.Paused:
                // A stale resume (sent while the chunk ran) only costs one more look at the status.
                await context.WaitForExternalEvent<bool>(ResumeEvent);
                context.ContinueAsNew(run, preserveUnprocessedEvents: false);
                return null;
            default:
                context.ContinueAsNew(run, preserveUnprocessedEvents: false);
                return null;
        }
    }
}
