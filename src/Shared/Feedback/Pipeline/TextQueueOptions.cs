using System.ComponentModel.DataAnnotations;

namespace Impact.Shared.Feedback.Pipeline;

/// <summary>
/// The top-level setting <c>TextQueueName</c>: flat, like <c>WebhookQueueName</c>, because the queue
/// trigger names it in a binding expression (<c>%TextQueueName%</c>).
/// </summary>
public sealed record TextQueueOptions
{
    /// <summary>The setting's name.</summary>
    public const string SettingName = "TextQueueName";

    /// <summary>The text-screening queue; its poison queue is this name plus <c>-poison</c>.</summary>
    [Required, RegularExpression("^[a-z0-9](?!.*--)[a-z0-9-]{1,54}[a-z0-9]$",
        ErrorMessage = "TextQueueName must be a valid Azure Storage queue name: 3-56 lower-case letters, digits and single hyphens (7 characters are kept for the -poison suffix).")]
    public string TextQueueName { get; init; } = TextQueue.DefaultName;
}
