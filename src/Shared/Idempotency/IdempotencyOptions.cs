using System.ComponentModel.DataAnnotations;

namespace Impact.Shared.Idempotency;

/// <summary>How long <c>Idempotency-Key</c> answers are kept (settings <c>Idempotency__*</c>).</summary>
public sealed record IdempotencyOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Idempotency";

    /// <summary>How long the first answer to a key is given again; after that the key is free (SPEC §L: 24 h).</summary>
    [Range(typeof(TimeSpan), "00:01:00", "7.00:00:00")]
    public TimeSpan KeyLifetime { get; init; } = TimeSpan.FromHours(24);

    /// <summary>
    /// How long a request holding a key may run before a retry with the same key may take the key over
    /// (the first one is then taken to have died). Matches the Functions host's default time-out (30 min).
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan InFlightTimeout { get; init; } = TimeSpan.FromMinutes(30);
}
