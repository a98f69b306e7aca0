using System.Diagnostics;
using Impact.Shared.ImpactIn;
using Microsoft.DurableTask;
using Microsoft.Extensions.Logging;

namespace Impact.Orchestrations.ImpactIn;

/// <summary>A delivery and the orchestration instance working on it.</summary>
public sealed record DeliveryStep(Guid DeliveryId, string InstanceId);

/// <summary>What one attempt came to, as the orchestrator needs it.</summary>
public sealed record AttemptResult(AttemptOutcome Outcome, int? StatusCode, TimeSpan? RetryAfter, string? Error);

/// <summary>The final word on a delivery run.</summary>
public sealed record CompleteInput(Guid DeliveryId, string InstanceId, bool Succeeded, string? Error);

/// <summary>Builds and stores the payload on the first run; false when the delivery is done or belongs to another instance.</summary>
public sealed class PrepareImpactInDelivery(DeliveryStore store) : TaskActivity<DeliveryStep, bool>
{
    /// <inheritdoc />
    public override async Task<bool> RunAsync(TaskActivityContext context, DeliveryStep input) =>
        await store.PrepareAsync(input.DeliveryId, input.InstanceId) is not null;
}

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

/// <summary>Records the final status and appends <c>impact.delivery.succeeded</c> / <c>impact.delivery.failed</c>.</summary>
public sealed class CompleteImpactInDelivery(DeliveryStore store) : TaskActivity<CompleteInput, bool>
{
    /// <inheritdoc />
    public override async Task<bool> RunAsync(TaskActivityContext context, CompleteInput input)
    {
        await store.CompleteAsync(input.DeliveryId, input.InstanceId, input.Succeeded, input.Error);
        return true;
    }
}
