using Impact.Shared.Idempotency;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace Impact.Ingest.Idempotency;

/// <summary>Deletes expired <c>Idempotency-Key</c> rows; an expired key is never replayed even before this runs.</summary>
public sealed partial class IdempotencyMaintenance(IdempotencyKeys keys, ILogger<IdempotencyMaintenance> logger)
{
    [Function(nameof(PurgeIdempotencyKeys))]
    public async Task PurgeIdempotencyKeys([TimerTrigger("0 40 * * * *")] TimerInfo timer, CancellationToken ct)
    {
        var purged = await keys.PurgeExpiredAsync(ct: ct);
        LogPurged(logger, purged);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Purged {Count} expired idempotency keys")]
    private static partial void LogPurged(ILogger logger, int count);
}
