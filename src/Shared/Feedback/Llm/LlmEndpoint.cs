namespace Impact.Shared.Feedback.Llm;

/// <summary>Where one LLM provider is and how to authenticate to it.</summary>
public sealed record LlmEndpoint
{
    /// <summary>The endpoint (Azure OpenAI resource URL, or an OpenAI-compatible base URL; empty = api.openai.com for OpenAI).</summary>
    public string? Endpoint { get; init; }

    /// <summary>The API key (a Key Vault reference in Azure).</summary>
    public string? ApiKey { get; init; }
}
