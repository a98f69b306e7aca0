using Impact.Shared.Privacy;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;

namespace Impact.Orchestrations.Privacy;

/// <summary>
/// Writes the export ZIP and completes the request; returns the request's status afterwards (failed when the person was
/// erased before the export could complete).
/// </summary>
public sealed partial class WritePrivacyExport(PrivacyExport export, ILogger<WritePrivacyExport> logger) : TaskActivity<Guid, string>
{
    public override async Task<string> RunAsync(TaskActivityContext context, Guid requestId)
    {
        var result = await export.RunAsync(requestId);
        LogExported(logger, requestId, result.Files.Count, result.Rows);
        return result.Status;
    }

    // Ids and counts only: never the person's data.
    [LoggerMessage(Level = LogLevel.Information, Message = "Privacy export {RequestId} written: {Files} files, {Rows} rows")]
    private static partial void LogExported(ILogger logger, Guid requestId, int files, long rows);
}
