using Impact.Shared.Backfill;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace Impact.Ingest.Backfill;

/// <summary>A timer that deletes backfill blobs no job names (see <see cref="BackfillOrphans"/>), so erasure misses no file.</summary>
public sealed partial class BackfillMaintenance(BackfillOrphans orphans, ILogger<BackfillMaintenance> logger)
{
    [Function(nameof(SweepOrphanedUploads))]
    public async Task SweepOrphanedUploads([TimerTrigger("0 40 * * * *")] TimerInfo timer, CancellationToken ct)
    {
        var deleted = await orphans.SweepAsync(ct);
        if (deleted > 0)
        {
            LogDeleted(logger, deleted);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Deleted {Count} backfill blobs that no import job names")]
    private static partial void LogDeleted(ILogger logger, int count);
}
