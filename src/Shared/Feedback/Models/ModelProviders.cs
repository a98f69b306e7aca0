namespace Impact.Shared.Feedback.Models;

/// <summary>The classifier providers a registry entry may name (<c>model_registry.provider</c>, <see cref="IOutcomeClassifier.Provider"/>).</summary>
public static class ModelProviders
{
    /// <summary>The offline classifier shipped with the app: no key, the default.</summary>
    public const string Embedded = "embedded";
    /// <summary>Azure OpenAI through <c>Microsoft.Extensions.AI</c>; the model is the deployment name.</summary>
    public const string AzureOpenAI = "azure-openai";
    /// <summary>OpenAI through <c>Microsoft.Extensions.AI</c>.</summary>
    public const string OpenAI = "openai";

    /// <summary>Every provider.</summary>
    public static readonly IReadOnlyList<string> All = [Embedded, AzureOpenAI, OpenAI];

    /// <summary>The <c>outcome_scores.method</c> of a provider's scores: <c>embedded</c> or <c>ai</c>.</summary>
    public static string MethodOf(string provider) => provider == Embedded ? "embedded" : "ai";
}
