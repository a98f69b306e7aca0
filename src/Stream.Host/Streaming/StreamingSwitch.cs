using Microsoft.Extensions.Options;
using Npgsql;

namespace Impact.StreamHost.Streaming;

/// <summary>
/// Switching streaming off for a company (<c>impact.companies.streaming_enabled = false</c>) also
/// ends the streams already open: checked once per heartbeat interval. The clients' reconnects are
/// then refused with a problem that says why, and a browser's EventSource stops retrying.
/// </summary>
public sealed partial class StreamingSwitch(NpgsqlDataSource dataSource, StreamHub hub, IOptions<StreamOptions> options,
    TimeProvider time, ILogger<StreamingSwitch> logger) : BackgroundService
{
    public async Task<int> CloseSwitchedOffAsync(CancellationToken ct)
    {
        var connected = hub.ConnectedCompanies();
        if (connected.Count == 0)
        {
            return 0;
        }

        await using var conn = await dataSource.OpenConnectionAsync(ct);
        var closed = 0;
        foreach (var companyId in await EventQueries.SwitchedOffAsync(conn, connected, ct))
        {
            var count = hub.Close(companyId);
            closed += count;
            Log.Closed(logger, count, companyId);
        }

        return closed;
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(options.Value.Heartbeat, time);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await CloseSwitchedOffAsync(stoppingToken);
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                Log.Failed(logger, e);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(40, LogLevel.Information, "Closed {Count} stream(s) of company {CompanyId}: streaming was switched off")]
        public static partial void Closed(ILogger logger, int count, Guid companyId);

        [LoggerMessage(41, LogLevel.Warning, "Checking for companies with streaming switched off failed; trying again at the next interval")]
        public static partial void Failed(ILogger logger, Exception exception);
    }
}
