using System.ComponentModel.DataAnnotations;

namespace Impact.StreamHost.Streaming;

/// <summary>Settings section <c>Stream</c> (environment: <c>Stream__HeartbeatSeconds</c>, ...).</summary>
public sealed record StreamOptions
{
    public const string Section = "Stream";

    /// <summary>Idle connections get a comment this often; proxies drop silent connections.</summary>
    [Range(1, 15, ErrorMessage = "Stream:HeartbeatSeconds must be between 1 and 15 (the contract promises a heartbeat at least every 15 s).")]
    public int HeartbeatSeconds { get; init; } = 15;

    /// <summary>How far back a client may resume; older events are purged.</summary>
    [Range(1, 24 * 30, ErrorMessage = "Stream:ReplayHours must be between 1 and 720.")]
    public int ReplayHours { get; init; } = 24;

    /// <summary>Events buffered per client before the oldest are dropped (and a gap is reported).</summary>
    [Range(1, 100_000, ErrorMessage = "Stream:ClientBufferSize must be between 1 and 100000.")]
    public int ClientBufferSize { get; init; } = 100;

    /// <summary>The <c>retry:</c> hint: how long a browser waits before reconnecting.</summary>
    [Range(100, 600_000, ErrorMessage = "Stream:RetryMilliseconds must be between 100 and 600000.")]
    public int RetryMilliseconds { get; init; } = 3000;

    public TimeSpan Heartbeat => TimeSpan.FromSeconds(HeartbeatSeconds);

    public TimeSpan ReplayWindow => TimeSpan.FromHours(ReplayHours);
}
