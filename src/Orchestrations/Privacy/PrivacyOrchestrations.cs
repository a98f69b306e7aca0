using Impact.Shared.Privacy;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Impact.Orchestrations.Privacy;

/// <summary>Input of <see cref="PrivacyDeletionOrchestrator"/>.</summary>
/// <param name="RequestId">The erasure request (also the instance id).</param>
/// <param name="ApprovalTimeout">How long to wait for a second administrator; from <see cref="PrivacyOptions"/> at the start.</param>
public sealed record PrivacyDeletionInput(Guid RequestId, TimeSpan ApprovalTimeout);

/// <summary>The payload of the <see cref="PrivacyDeletionOrchestrator.DecisionEvent"/> external event.</summary>
/// <param name="Approved">True when approved, false when rejected.</param>
/// <param name="By">The administrator who decided.</param>
public sealed record PrivacyDecision(bool Approved, string By);

/// <summary>Builds a DSAR export ZIP; the request row carries progress, location and status.</summary>
public sealed class PrivacyExportOrchestrator : TaskOrchestrator<Guid, string>
{
    public override async Task<string> RunAsync(TaskOrchestrationContext context, Guid requestId)
    {
        try
        {
            await context.CallActivityAsync<string>(nameof(WritePrivacyExport), requestId, PrivacyTasks.Retry);
            return "completed";
        }
        catch (TaskFailedException e)
        {
            await context.CallActivityAsync(nameof(FailPrivacyRequest), new FailPrivacyRequestInput(requestId, e.FailureDetails.ErrorMessage));
            return "failed";
        }
    }
}

/// <summary>
/// An erasure: waits for a second administrator's decision (the approval endpoint records it in the database
/// first, then raises <see cref="DecisionEvent"/>), expires after the approval timeout, then erases.
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
            if (status != "processing")
            {
                return status;
            }
        }

        if (decision is { Approved: false })
        {
            return "rejected";
        }

        try
        {
            return await context.CallActivityAsync<string>(nameof(ErasePersonalData), input.RequestId, PrivacyTasks.Retry);
        }
        catch (TaskFailedException e)
        {
            await context.CallActivityAsync(nameof(FailPrivacyRequest), new FailPrivacyRequestInput(input.RequestId, e.FailureDetails.ErrorMessage));
            return "failed";
        }
    }
}

/// <summary>Writes the export ZIP and completes the request.</summary>
public sealed partial class WritePrivacyExport(PrivacyExport export, ILogger<WritePrivacyExport> logger) : TaskActivity<Guid, string>
{
    public override async Task<string> RunAsync(TaskActivityContext context, Guid requestId)
    {
        var result = await export.RunAsync(requestId);
        LogExported(logger, requestId, result.Files.Count, result.Files.Where(f => f.Name.EndsWith(".json", StringComparison.Ordinal)).Sum(f => f.Rows));
        return result.Location;
    }

    // Ids and counts only: never the person's data.
    [LoggerMessage(Level = LogLevel.Information, Message = "Privacy export {RequestId} written: {Files} files, {Rows} rows")]
    private static partial void LogExported(ILogger logger, Guid requestId, int files, long rows);
}

/// <summary>Runs the erasure cascade of an approved request.</summary>
public sealed partial class ErasePersonalData(PrivacyErasure erasure, ILogger<ErasePersonalData> logger) : TaskActivity<Guid, string>
{
    public override async Task<string> RunAsync(TaskActivityContext context, Guid requestId)
    {
        var result = await erasure.RunAsync(requestId);
        LogErased(logger, requestId, result.Status, result.Steps.Sum(s => s.Value));
        return result.Status;
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Privacy erasure {RequestId} is {Status} after changing {Rows} rows")]
    private static partial void LogErased(ILogger logger, Guid requestId, string status, int rows);
}

/// <summary>Expires an erasure nobody decided on; returns the status the request has afterwards.</summary>
public sealed class ExpirePrivacyRequest(NpgsqlDataSource dataSource) : TaskActivity<Guid, string>
{
    public override Task<string> RunAsync(TaskActivityContext context, Guid requestId) =>
        PrivacyRequests.ExpireAsync(dataSource, requestId);
}

/// <summary>Input of <see cref="FailPrivacyRequest"/>.</summary>
/// <param name="RequestId">The request.</param>
/// <param name="Error">Why it failed.</param>
public sealed record FailPrivacyRequestInput(Guid RequestId, string Error);

/// <summary>Marks a request failed after its activity gave up retrying.</summary>
public sealed class FailPrivacyRequest(NpgsqlDataSource dataSource) : TaskActivity<FailPrivacyRequestInput, bool>
{
    public override async Task<bool> RunAsync(TaskActivityContext context, FailPrivacyRequestInput input)
    {
        await PrivacyRequests.FailAsync(dataSource, input.RequestId, input.Error);
        return true;
    }
}
