using Impact.Shared.Events;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Impact.StreamHost.Streaming;

/// <summary>
/// The one LISTEN connection of this process. A NOTIFY on <see cref="EventLog.NotifyChannel"/> is
/// only a doorbell: the feed then reads the new rows from <c>impact.events</c> for every company
/// at once and hands them to the <see cref="StreamHub"/>. After the connection drops it reconnects
/// and carries on from the last row it read, so a lost NOTIFY costs latency, never an event.
/// </summary>
public sealed partial class EventFeed(NpgsqlDataSource dataSource, StreamHub hub, IOptions<StreamOptions> options, ILogger<EventFeed> logger)
    : BackgroundService
{
    /// <summary>The feed's connection shows under this name in <c>pg_stat_activity</c>.</summary>
    public const string ApplicationName = "impact-stream-feed";

    // Compile-time constants: LISTEN takes no parameters.
    private const string ListenSql = $"SET application_name = '{ApplicationName}'; LISTEN {EventLog.NotifyChannel}";

    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan LastRetry = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan FirstPendingPoll = TimeSpan.FromMilliseconds(5);
    private static readonly TimeSpan LastPendingPoll = TimeSpan.FromMilliseconds(500);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var retry = FirstRetry;
        var connectedBefore = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var conn = await dataSource.OpenConnectionAsync(stoppingToken);
                var rang = false;
                conn.Notification += (_, _) => rang = true;
                await using (var listen = new NpgsqlCommand(ListenSql, conn))
                {
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                }

                if (!hub.Started.IsCompleted)
                {
                    // Without a resume point clients get only new events: start after everything final now.
                    hub.Start(EventPosition.Before(await EventQueries.FinalBelowAsync(conn, stoppingToken)));
                }

                hub.SetFeedConnected(true, reconnect: connectedBefore);
                if (connectedBefore)
                {
                    Log.Reconnected(logger, hub.Published.Id);
                }

                connectedBefore = true;
                var pendingPoll = FirstPendingPoll;
                while (true)
                {
                    rang = false;
                    var pending = await ReadFinalRowsAsync(conn, stoppingToken);
                    retry = FirstRetry; // back off again only after a read has worked
                    if (rang)
                    {
                        continue;
                    }

                    // Rows committed behind an older open transaction become final when it ends, which
                    // rings no bell when that transaction wrote no event: poll until they are out.
                    // Otherwise wait for the bell, with a safety poll.
                    var wait = pending ? pendingPoll : options.Value.Heartbeat;
                    pendingPoll = pending ? TimeSpan.FromTicks(Math.Min(pendingPoll.Ticks * 2, LastPendingPoll.Ticks)) : FirstPendingPoll;
                    await conn.WaitAsync(wait, stoppingToken);
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                break;
            }
            catch (Exception e) when (e is NpgsqlException or IOException or TimeoutException or InvalidOperationException)
            {
                hub.SetFeedConnected(false);
                Log.Disconnected(logger, e, retry.TotalMilliseconds);
                await Task.Delay(retry, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
                retry = TimeSpan.FromTicks(Math.Min(retry.Ticks * 2, LastRetry.Ticks));
            }
        }

        hub.SetFeedConnected(false);
    }

    /// <summary>Publishes every final row after the published position; returns whether newer rows wait on an open transaction.</summary>
    private async Task<bool> ReadFinalRowsAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        // Read the horizon first: rows of transactions below it are all visible to the reads that follow.
        var finalBelow = await EventQueries.FinalBelowAsync(conn, ct);
        var position = hub.Published;
        // A backlog goes out in pages smaller than a client's buffer, so clients that keep up can
        // drain between pages: one big page would overflow every buffer at once.
        var pageSize = Math.Clamp(options.Value.ClientBufferSize / 2, 1, EventQueries.PageSize);
        List<EventRow> page;
        do
        {
            page = await EventQueries.FinalPageAsync(conn, position, finalBelow, pageSize, ct);
            if (page.Count == 0)
            {
                break;
            }

            var events = page.Where(CockpitEvents.IsDelivered).Select(SseFrames.Event).ToList();
            position = page[^1].Position;
            hub.Publish(events, position);
        }
        while (page.Count == pageSize);

        return await EventQueries.AnyPendingAsync(conn, finalBelow, ct);
    }

    private static partial class Log
    {
        [LoggerMessage(1, LogLevel.Warning, "Event feed failed; reconnecting in {RetryMs} ms and catching up from the last event read")]
        public static partial void Disconnected(ILogger logger, Exception exception, double retryMs);

        [LoggerMessage(2, LogLevel.Information, "Event feed reconnected; catching up after event {LastEventId}")]
        public static partial void Reconnected(ILogger logger, long lastEventId);
    }
}
