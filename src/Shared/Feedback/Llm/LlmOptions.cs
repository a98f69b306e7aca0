using System.ComponentModel.DataAnnotations;

namespace Impact.Shared.Feedback.Llm;

/// <summary>
/// Settings section <c>Llm</c>: the LLM providers of Q2Q (used only when the registry's model in use names one).
/// Keys come from Key Vault in Azure; an empty Azure OpenAI key means the managed identity.
/// </summary>
public sealed record LlmOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Llm";

    /// <summary>Azure OpenAI: <c>Llm__AzureOpenAI__Endpoint</c>, <c>Llm__AzureOpenAI__ApiKey</c>.</summary>
    public LlmEndpoint AzureOpenAI { get; init; } = new();

    /// <summary>OpenAI: <c>Llm__OpenAI__ApiKey</c>, optionally <c>Llm__OpenAI__Endpoint</c> (an OpenAI-compatible base URL).</summary>
    public LlmEndpoint OpenAI { get; init; } = new();

    /// <summary>Calls per text before it is stored as unscored (a malformed answer or a provider error each use one).</summary>
    [Range(1, 5, ErrorMessage = "Llm:MaxAttempts must be between 1 and 5.")]
    public int MaxAttempts { get; init; } = 3;

    /// <summary>Time allowed for one call.</summary>
    [Range(1, 300, ErrorMessage = "Llm:TimeoutSeconds must be between 1 and 300.")]
    public int TimeoutSeconds { get; init; } = 30;
}
