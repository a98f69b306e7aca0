namespace Impact.Shared.ImpactIn;

/// <summary>How one attempt ended.</summary>
public enum AttemptOutcome
{
    /// <summary>The partner accepted the delivery (2xx).</summary>
    Succeeded,

    /// <summary>Worth another attempt: network error, time-out, 408, 429 or 5xx.</summary>
    Retryable,

    /// <summary>Another attempt would get the same answer: any other 4xx, or the platform is not configured.</summary>
    Final,
}
