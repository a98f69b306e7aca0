using Impact.Shared.Privacy;
using Microsoft.DurableTask;

namespace Impact.Orchestrations.Privacy;

/// <summary>
/// Builds a DSAR export ZIP; the request row carries progress, location and status. Returns the request's final
/// status (<see cref="PrivacyRequestStatus.Completed"/> or <see cref="PrivacyRequestStatus.Failed"/>).
/// </summary>
public sealed class PrivacyExportOrchestrator : TaskOrchestrator<Guid, string>
{
    public override async Task<string> RunAsync(TaskOrchestrationContext context, Guid requestId)
    {
        try
        {
            return await context.CallActivityAsync<string>(nameof(WritePrivacyExport), requestId, PrivacyTasks.Retry);
        }
        catch (TaskFailedException e)
        {
            await context.CallActivityAsync(nameof(FailPrivacyRequest), new FailPrivacyRequestInput(requestId, e.FailureDetails.ErrorMessage));
            return PrivacyRequestStatus.Failed;
        }
    }
}
