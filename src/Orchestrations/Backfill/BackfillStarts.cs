using Impact.Shared.Backfill;
using Impact.Shared.Security;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace Impact.Orchestrations.Backfill;

/// <summary>How callers start and resume <see cref="BackfillOrchestrator"/> (instance id = job id).</summary>
public static class BackfillStarts
{
    /// <summary>Starts the job's orchestration with the retry settings of <paramref name="options"/>.</summary>
    public static Task StartBackfillAsync(this DurableTaskClient client, Guid jobId, BackfillOptions options, CancellationToken ct = default) =>
        client.ScheduleNewOrchestrationInstanceAsync(nameof(BackfillOrchestrator),
            new BackfillRun(jobId, options.RetryAttempts, options.RetryFirstIntervalSeconds),
            new StartOrchestrationOptions(jobId.ToString()), ct);

    /// <summary>
    /// Resumes a paused or failed job from its checkpoint, without the file being uploaded again, and returns
    /// it: a waiting orchestration gets the <see cref="BackfillOrchestrator.ResumeEvent"/>; a failed (or
    /// vanished) one is replaced by a new run of the same instance id. The 404s and 409s are
    /// <see cref="BackfillJobStore.ResumeAsync"/>'s (which scopes the job to <paramref name="caller"/>'s company and audits the resume).
    /// </summary>
    public static async Task<BackfillJob> ResumeBackfillAsync(this DurableTaskClient client, BackfillJobStore jobs, Guid jobId,
        Caller caller, BackfillOptions options, CancellationToken ct = default)
    {
        var instance = await client.GetInstanceAsync(jobId.ToString(), ct);
        var alive = instance is { IsRunning: true } || instance?.RuntimeStatus == OrchestrationRuntimeStatus.Pending
            || instance?.RuntimeStatus == OrchestrationRuntimeStatus.Suspended;
        var job = await jobs.ResumeAsync(jobId, alive, caller, ct);
        if (alive)
        {
            // Paused: the orchestration waits for this event, then re-reads the job row.
            await client.RaiseEventAsync(jobId.ToString(), BackfillOrchestrator.ResumeEvent, true, ct);
        }
        else
        {
            // Failed (or the orchestration is gone): a new run of the same instance id continues from the checkpoint.
            if (instance is not null)
            {
                await client.PurgeInstanceAsync(jobId.ToString(), cancellation: ct);
            }

            await client.StartBackfillAsync(jobId, options, ct);
        }

        return job;
    }
}
