namespace Impact.Shared.Idempotency;

/// <summary>States of a row of <c>impact.idempotency_keys</c>.</summary>
public static class IdempotencyStatus
{
    /// <summary>The first request with the key is running.</summary>
    public const string InFlight = "in_flight";

    /// <summary>The first request has answered; its answer is stored.</summary>
    public const string Completed = "completed";
}
