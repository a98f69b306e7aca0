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

    /// <summary>How long delivery ids are kept for de-duplication (Standard Webhooks advises at least 72 h).</summary>
    [Range(72, 24 * 365)]
    public int RetentionHours { get; init; } = 168;
}
