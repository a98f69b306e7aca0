using System.ComponentModel.DataAnnotations;

namespace Impact.Shared.Webhooks;

/// <summary>Settings section <c>Webhooks</c>: partner webhook ingestion.</summary>
public sealed record WebhookOptions
{
    /// <summary>The configuration section name.</summary>
    public const string Section = "Webhooks";

    /// <summary>Kintell's signing secrets.</summary>
    public PartnerSecrets Kintell { get; init; } = new();

    /// <summary>Largest accepted body; larger requests get 413.</summary>
    [Range(1024, 16 * 1024 * 1024)]
    public int MaxBodyBytes { get; init; } = 256 * 1024;

    /// <summary>How far a signature's timestamp may be from our clock, in either direction.</summary>
    [Range(1, 3600)]
    public int ToleranceSeconds { get; init; } = 300;

    /// <summary>A delivery still <c>received</c> after this long is enqueued again by the sweeper.</summary>
    [Range(0, 86400)]
    public int SweepAfterSeconds { get; init; } = 60;

    /// <summary>
    /// Processing attempts (recorded failures) after which a delivery is dead-lettered. Keep it at most the
    /// host's <c>maxDequeueCount</c> (host.json), so the delivery gives up before the host poisons its message.
    /// </summary>
    [Range(1, 100)]
    public int MaxAttempts { get; init; } = 3;

    /// <summary>
    /// A delivery <c>queued</c>, or <c>failed</c> with attempts left, that nothing has touched for this long is
    /// put on the queue again by the sweeper (its message was lost, or hidden in a poison queue).
    /// </summary>
    [Range(10, 86400)]
    public int RequeueAfterSeconds { get; init; } = 300;

    /// <summary>
    /// First delay before a delivery that met a transient database error is tried again (with a fresh
    /// message, so an outage never counts towards the poison queue); it doubles per retry.
    /// </summary>
    [Range(1, 3600)]
    public int TransientRetryFirstSeconds { get; init; } = 5;

    /// <summary>The longest delay between two retries after transient database errors.</summary>
    [Range(1, 3600)]
    public int TransientRetryMaxSeconds { get; init; } = 60;

    /// <summary>How long delivery ids are kept for de-duplication (Standard Webhooks advises at least 72 h).</summary>
    [Range(72, 24 * 365)]
    public int RetentionHours { get; init; } = 168;
}
