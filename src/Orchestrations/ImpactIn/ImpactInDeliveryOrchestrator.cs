using Impact.Shared.ImpactIn;
using Microsoft.DurableTask;

namespace Impact.Orchestrations.ImpactIn;

/// <summary>
/// Sends one delivery: up to <see cref="DeliveryRunInput.MaxAttempts"/> attempts with exponential
/// backoff on durable timers (base × factor^(n-1), or the partner's <c>Retry-After</c> when longer).
/// A final answer (4xx other than 408/429) stops at once. Every attempt is recorded by the activity;
/// the final status and its event by <see cref="CompleteImpactInDelivery"/>.
/// </summary>
public sealed class ImpactInDeliveryOrchestrator : TaskOrchestrator<DeliveryRunInput, DeliveryRunResult>
{
    // A partner cannot park a delivery for longer than this with Retry-After.
    private static readonly TimeSpan MaxRetryAfter = TimeSpan.FromHours(6);

    // Our own steps (database only) are retried on a blip; sending is not: its retries are the attempts below.
    private static readonly TaskOptions OwnStep = new(new TaskRetryOptions(new RetryPolicy(5, TimeSpan.FromSeconds(1), backoffCoefficient: 2)));

    /// <inheritdoc />
    public override async Task<DeliveryRunResult> RunAsync(TaskOrchestrationContext context, DeliveryRunInput input)
    {
        var ready = await context.CallActivityAsync<bool>(nameof(PrepareImpactInDelivery), new DeliveryStep(input.DeliveryId, context.InstanceId), OwnStep);
        if (!ready)
        {
            // Finished already, or another instance owns it (a replay): never send a second time from here.
            return new DeliveryRunResult(DeliveryRunResult.Skipped, 0, null);
        }

        string? error = null;
        var attempt = 0;
        while (attempt < input.MaxAttempts)
        {
            attempt++;
            AttemptResult result;
            try
            {
                result = await context.CallActivityAsync<AttemptResult>(nameof(SendImpactInAttempt), new DeliveryStep(input.DeliveryId, context.InstanceId));
            }
            catch (TaskFailedException e)
            {
                // Our side failed (e.g. the database was unreachable): worth another attempt like a network error.
                result = new AttemptResult(AttemptOutcome.Retryable, null, null, e.FailureDetails.ErrorMessage);
            }

            if (result.Outcome == AttemptOutcome.Succeeded)
            {
                await context.CallActivityAsync(nameof(CompleteImpactInDelivery), new CompleteInput(input.DeliveryId, context.InstanceId, true, null), OwnStep);
                return new DeliveryRunResult(DeliveryStatus.Succeeded, attempt, null);
            }

            error = result.Error;
            if (result.Outcome == AttemptOutcome.Final || attempt >= input.MaxAttempts)
            {
                break;
            }

            var wait = Backoff(input, attempt);
            if (result.RetryAfter is { } retryAfter && retryAfter > wait)
            {
                wait = retryAfter < MaxRetryAfter ? retryAfter : MaxRetryAfter;
            }

            await context.CreateTimer(context.CurrentUtcDateTime.Add(wait), CancellationToken.None);
        }

        await context.CallActivityAsync(nameof(CompleteImpactInDelivery), new CompleteInput(input.DeliveryId, context.InstanceId, false, error), OwnStep);
        return new DeliveryRunResult(DeliveryStatus.Failed, attempt, error);
    }

    /// <summary>The wait after attempt <paramref name="attempt"/> (1-based): base × factor^(attempt-1).</summary>
    public static TimeSpan Backoff(DeliveryRunInput input, int attempt) =>
        TimeSpan.FromMilliseconds(input.BackoffBase.TotalMilliseconds * Math.Pow(input.BackoffFactor, attempt - 1));
}
