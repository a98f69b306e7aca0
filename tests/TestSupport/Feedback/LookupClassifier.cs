using Impact.Shared.Feedback;

namespace Impact.TestSupport.Feedback;

/// <summary>
/// A test double for the embedded <see cref="IOutcomeClassifier"/> that answers, for each text, the labels a test scripted
/// for it (so an evaluation's figures can be worked out by hand); a text without a script is unscored.
/// </summary>
public sealed class LookupClassifier(IReadOnlyDictionary<string, Q2QLabels> answers, string modelId = "embedded-q2q-v1") : IOutcomeClassifier
{
    public string Provider => "embedded";

    public Task<ClassificationResult> ClassifyAsync(ClassificationRequest request, CancellationToken ct = default) =>
        Task.FromResult(answers.TryGetValue(request.MaskedText, out var labels)
            ? new ClassificationResult(labels, null, modelId, Provider, modelId)
            : new ClassificationResult(null, "no scripted answer", modelId, Provider, modelId));
}
