using System.Diagnostics;
using Impact.Shared.ImpactIn;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;

namespace Impact.Orchestrations.ImpactIn;

/// <summary>Sends the stored payload once and records the attempt (status code, duration, error, response excerpt).</summary>
public sealed partial class SendImpactInAttempt(DeliveryStore store, PartnerConnectors connectors, TimeProvider time,
    ILogger<SendImpactInAttempt> logger) : TaskActivity<DeliveryStep, AttemptResult>
{
    /// <inheritdoc />
    public override async Task<AttemptResult> RunAsync(TaskActivityContext context, DeliveryStep input)
    {
        var request = await store.LoadRequestAsync(input.DeliveryId)
            ?? throw new InvalidOperationException($"Delivery {input.DeliveryId} has no payload; it was not prepared.");
        var startedAt = time.GetUtcNow();
        var clock = Stopwatch.StartNew();
        var response = await connectors.SendAsync(request);
        clock.Stop();
        var attempt = await store.RecordAttemptAsync(input.DeliveryId, input.InstanceId, startedAt, clock.Elapsed, response);
        LogAttempt(logger, input.DeliveryId, request.Platform, attempt, response.StatusCode, response.Outcome, (long)clock.Elapsed.TotalMilliseconds);
        return new AttemptResult(response.Outcome, response.StatusCode, response.RetryAfter, response.Error);
    }

    [LoggerMessage(Level = LogLevel.Information,
        Message = "Impact-In delivery {DeliveryId} to {Platform}: attempt {Attempt} answered {StatusCode} ({Outcome}) in {ElapsedMs} ms")]
    private static partial void LogAttempt(ILogger logger, Guid deliveryId, string platform, int attempt, int? statusCode, AttemptOutcome outcome, long elapsedMs);
}
