using Impact.Shared.Privacy;
using Microsoft.DurableTask;
using Microsoft.DurableTask.Client;

namespace Impact.Orchestrations.Privacy;

/// <summary>How callers start the privacy orchestrations (instance id = request id) and wake a waiting erasure.</summary>
public static class PrivacyStarts
{
    /// <summary>Starts the <see cref="PrivacyExportOrchestrator"/> of a created export request.</summary>
    public static Task StartPrivacyExportAsync(this DurableTaskClient client, PrivacyRequestStore requests, Guid requestId,
        CancellationToken ct = default) =>
        ScheduleAsync(client, requests, nameof(PrivacyExportOrchestrator), requestId, requestId, ct);

    /// <summary>
    /// Starts the <see cref="PrivacyDeletionOrchestrator"/> of a created erasure request, which waits at most
    /// <paramref name="approvalTimeout"/> for a decision.
    /// </summary>
    public static Task StartPrivacyDeletionAsync(this DurableTaskClient client, PrivacyRequestStore requests, Guid requestId,
        TimeSpan approvalTimeout, CancellationToken ct = default) =>
        ScheduleAsync(client, requests, nameof(PrivacyDeletionOrchestrator), requestId, new PrivacyDeletionInput(requestId, approvalTimeout), ct);

    /// <summary>
    /// Wakes the erasure's orchestration with a decision the database has already recorded (its timer would find it too).
    /// </summary>
    public static Task RaisePrivacyDecisionAsync(this DurableTaskClient client, Guid requestId, PrivacyDecision decision,
        CancellationToken ct = default) =>
        client.RaiseEventAsync(requestId.ToString(), PrivacyDeletionOrchestrator.DecisionEvent, decision, ct);

    private static async Task ScheduleAsync(DurableTaskClient client, PrivacyRequestStore requests, string orchestrator, Guid requestId,
        object input, CancellationToken ct)
    {
        try
        {
            await client.ScheduleNewOrchestrationInstanceAsync(new TaskName(orchestrator), input,
                new StartOrchestrationOptions(InstanceId: requestId.ToString()), ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Without an orchestration the row would wait forever: say so on it, then let the caller answer 500.
            await requests.FailAsync(requestId, "could not start the orchestration", CancellationToken.None);
            throw;
        }
    }
}
