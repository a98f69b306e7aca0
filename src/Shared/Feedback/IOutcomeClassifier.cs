namespace Impact.Shared.Feedback;

/// <summary>
/// A Q2Q classifier (SPEC §H): the embedded offline one (the default) or an LLM provider behind
/// <c>Microsoft.Extensions.AI.IChatClient</c>. Never given a text that screening rated HIGH and no reviewer released.
/// </summary>
public interface IOutcomeClassifier
{
    /// <summary>The provider name stored with each score: <c>embedded</c>, <c>azure-openai</c>, <c>openai</c>.</summary>
    string Provider { get; }

    /// <summary>Classifies one masked text.</summary>
    Task<ClassificationResult> ClassifyAsync(ClassificationRequest request, CancellationToken ct = default);
}
