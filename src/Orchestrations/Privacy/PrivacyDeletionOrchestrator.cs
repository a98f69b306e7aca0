using Impact.Shared.Privacy;
using Microsoft.DurableTask;

namespace Impact.Orchestrations.Privacy;

/// <summary>Input of <see cref="PrivacyDeletionOrchestrator"/>.</summary>
/// <param name="RequestId">The erasure request (also the instance id).</param>
/// <param name="ApprovalTimeout">How long to wait for a second administrator; from <see cref="PrivacyOptions"/> at the start.</param>
public sealed record PrivacyDeletionInput(Guid RequestId, TimeSpan ApprovalTimeout);

/// <summary>
/// An erasure: waits for a second administrator's decision (the approval endpoint records it in the database
/// first, then raises <see cref="DecisionEvent"/>), expires after the approval timeout, then erases. Returns the
/// request's final status.
/// </summary>
public sealed class PrivacyDeletionOrchestrator : TaskOrchestrator<PrivacyDeletionInput, string>
{
    /// <summary>The external event an approval or rejection raises.</summary>
    public const string DecisionEvent = "PrivacyDecision";

    public override async Task<string> RunAsync(TaskOrchestrationContext context, PrivacyDeletionInput input)
    {
        PrivacyDecision? decision = null;
        try
        {
            decision = await context.WaitForExternalEvent<PrivacyDecision>(DecisionEvent, input.ApprovalTimeout);
        }
        catch (TaskCanceledException)
        {
            // No decision in time. The database decides: an approval committed just before the timer fired still counts.
            var status = await context.CallActivityAsync<string>(nameof(ExpirePrivacyRequest), input.RequestId, PrivacyTasks.Retry);
            if (status != PrivacyRequestStatus.Processing)
            {
                return status;
            }
        }

        if (decision is { Approved: false })
        {
            return PrivacyRequestStatus.Rejected;
        }

        try
        {
            return await context.CallActivityAsync<string>(nameof(ErasePersonalData), input.RequestId, PrivacyTasks.Retry);
        }
        catch (TaskFailedException e)
        {
            await context.CallActivityAsync(nameof(FailPrivacyRequest), new FailPrivacyRequestInput(input.RequestId, e.FailureDetails.ErrorMessage));
            return PrivacyRequestStatus.Failed;
        }
    }
}
