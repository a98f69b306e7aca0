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

/// <summary>A partner's active signing secrets.</summary>
public sealed record PartnerSecrets
{
    /// <summary>
    /// Space- or comma-separated secrets; during rotation several are active and any one may sign.
    /// A secret of the form <c>whsec_&lt;base64&gt;</c> is used as its decoded bytes, any other as its UTF-8 bytes.
    /// </summary>
    [Required(ErrorMessage = "Webhooks:Kintell:Secrets is required (environment variable Webhooks__Kintell__Secrets).")]
    public string Secrets { get; init; } = "";

    /// <summary>The HMAC keys of <see cref="Secrets"/>.</summary>
    public IReadOnlyList<byte[]> Keys() => WebhookSignature.ParseSecrets(Secrets);
}

/// <summary>
/// The top-level setting <c>WebhookQueueName</c>. It is flat, not under <c>Webhooks</c>, because the
/// queue triggers name it in a binding expression (<c>%WebhookQueueName%</c>), so sender and listener
/// can never disagree.
/// </summary>
public sealed record WebhookQueueOptions
{
    /// <summary>The setting's name.</summary>
    public const string SettingName = "WebhookQueueName";

    /// <summary>The ingest queue; its poison queue is this name plus <c>-poison</c>.</summary>
    [Required, RegularExpression("^[a-z0-9](?!.*--)[a-z0-9-]{1,54}[a-z0-9]$",
        ErrorMessage = "WebhookQueueName must be a valid Azure Storage queue name: 3-56 lower-case letters, digits and single hyphens (7 characters are kept for the -poison suffix).")]
    public string WebhookQueueName { get; init; } = WebhookQueue.DefaultName;
}
