using Microsoft.DurableTask;

namespace Impact.Orchestrations.Privacy;

/// <summary>What the privacy orchestrations share.</summary>
public static class PrivacyTasks
{
    /// <summary>Transient failures (a dropped connection, a storage hiccup) are retried a few times.</summary>
    internal static readonly TaskOptions Retry = TaskOptions.FromRetryPolicy(new RetryPolicy(
        maxNumberOfAttempts: 3, firstRetryInterval: TimeSpan.FromSeconds(1), backoffCoefficient: 2));
}
