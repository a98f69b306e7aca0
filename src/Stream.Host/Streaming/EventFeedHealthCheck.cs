using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Impact.StreamHost.Streaming;

/// <summary>Healthy while the LISTEN connection is up; a reconnecting feed means delayed events.</summary>
public sealed class EventFeedHealthCheck(StreamHub hub) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(hub.FeedConnected
            ? HealthCheckResult.Healthy("Listening for new events.")
            : HealthCheckResult.Unhealthy("The event feed is not connected to PostgreSQL; it keeps retrying."));
}
