using System.Text.Json;
using Azure;
using Azure.Storage.Queues;
using Microsoft.Extensions.Options;

namespace Impact.Shared.Feedback.Pipeline;

/// <summary>The Azure Storage queue between storing a text and screening it.</summary>
public sealed class TextQueue(QueueServiceClient queues, IOptions<TextQueueOptions> options)
{
    /// <summary>The queue's name unless <c>TextQueueName</c> says otherwise.</summary>
    public const string DefaultName = "text-screening";

    /// <summary>The queue trigger's binding expression.</summary>
    public const string TriggerQueue = "%" + TextQueueOptions.SettingName + "%";

    /// <summary>The Functions host moves a message here after <c>maxDequeueCount</c> failed attempts.</summary>
    public const string TriggerPoisonQueue = TriggerQueue + "-poison";

    private readonly QueueClient queue = queues.GetQueueClient(options.Value.TextQueueName);
    private volatile bool created;

    /// <summary>Puts a message on the queue, creating the queue the first time if it does not exist.</summary>
    /// <exception cref="RequestFailedException">The queue service answered with an error.</exception>
    public async Task SendAsync(TextMessage message, CancellationToken ct = default)
    {
        var body = JsonSerializer.Serialize(message, JsonDefaults.Web);
        if (!created)
        {
            await queue.CreateIfNotExistsAsync(cancellationToken: ct);
            created = true;
        }

        await queue.SendMessageAsync(body, ct);
    }

    /// <summary>Reads a queue message body.</summary>
    /// <exception cref="JsonException">The message is not a <see cref="TextMessage"/>.</exception>
    public static TextMessage Parse(string body) =>
        JsonSerializer.Deserialize<TextMessage>(body, JsonDefaults.Web) is { TextIds.Count: > 0 } m
            ? m
            : throw new JsonException("A text-screening message needs textIds.");
}
