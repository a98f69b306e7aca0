using Impact.Shared.Privacy;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;

namespace Impact.Orchestrations.Privacy;

/// <summary>Runs the erasure cascade of an approved request; returns the request's status afterwards.</summary>
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
