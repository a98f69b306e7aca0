namespace Impact.Shared.ImpactIn;

/// <summary>The names of <see cref="AttemptOutcome"/> as stored in <c>impact_delivery_attempts.outcome</c> and returned by the API.</summary>
public static class AttemptOutcomeNames
{
    /// <summary>The partner accepted the delivery.</summary>
    public const string Succeeded = "succeeded";

    /// <summary>Worth another attempt.</summary>
    public const string Retryable = "retryable";

    /// <summary>Another attempt would get the same answer.</summary>
    public const string Final = "final";

    /// <summary>The stored name of an outcome.</summary>
    public static string Of(AttemptOutcome outcome) => outcome switch
    {
        AttemptOutcome.Succeeded => Succeeded,
        AttemptOutcome.Retryable => Retryable,
        _ => Final,
    };
}
