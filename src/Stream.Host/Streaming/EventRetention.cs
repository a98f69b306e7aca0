using Microsoft.Extensions.Options;
using Npgsql;

namespace Impact.StreamHost.Streaming;

/// <summary>
/// Deletes events older than the replay window (<see cref="StreamOptions.ReplayHours"/>) in small
/// batches. Every instance runs it; the deletes are idempotent, so that is harmless.
/// </summary>
public sealed partial class EventRetention(NpgsqlDataSource dataSource, IOptions<StreamOptions> options, TimeProvider time,
    ILogger<EventRetention> logger) : BackgroundService
{
    // Purging is housekeeping, not correctness: a resume point past the window gets a reset
    // whether or not its row has been deleted yet.
    private static readonly TimeSpan Interval = TimeSpan.FromMinutes(10);
    private const int BatchSize = 5000;

    /// <summary>Deletes every event older than the replay window; returns how many.</summary>
    public async Task<int> PurgeAsync(CancellationToken ct)
    {
        var cutoff = time.GetUtcNow() - options.Value.ReplayWindow;
        var total = 0;
        int deleted;
        do
        {
            await using var conn = await dataSource.OpenConnectionAsync(ct);
            deleted = await EventQueries.PurgeBatchAsync(conn, cutoff, BatchSize, ct);
            total += deleted;
        }
        while (deleted == BatchSize);

        if (total > 0)
        {
            Log.Purged(logger, total, cutoff);
        }

        return total;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            try
            {
                await PurgeAsync(stoppingToken);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                Log.Failed(logger, e);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private static partial class Log
    {
        [LoggerMessage(10, LogLevel.Information, "Purged {Count} events older than {Cutoff}")]
        public static partial void Purged(ILogger logger, int count, DateTimeOffset cutoff);

        [LoggerMessage(11, LogLevel.Warning, "Purging old events failed; trying again at the next interval")]
        public static partial void Failed(ILogger logger, Exception exception);
    }
}
