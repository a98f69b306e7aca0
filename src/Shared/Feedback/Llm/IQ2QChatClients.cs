using Microsoft.Extensions.AI;

namespace Impact.Shared.Feedback.Llm;

/// <summary>
/// The seam to the paid LLM services: an <see cref="IChatClient"/> per provider and model. The real one builds
/// Azure OpenAI and OpenAI clients from <see cref="LlmOptions"/>; tests register a scripted fake at this boundary.
/// </summary>
public interface IQ2QChatClients
{
    /// <summary>The chat client for <paramref name="model"/> of <paramref name="provider"/>, or null when that provider is not configured.</summary>
    IChatClient? For(string provider, string model);
}
