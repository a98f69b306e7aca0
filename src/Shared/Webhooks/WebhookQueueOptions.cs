using System.ComponentModel.DataAnnotations;

namespace Impact.Shared.Webhooks;

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
