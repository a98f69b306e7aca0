using System.Collections.Concurrent;
using Impact.Shared.Feedback;

namespace Impact.TestSupport.Feedback;

/// <summary>
/// A test double for the embedded <see cref="IOutcomeClassifier"/> (the real one is another branch's work): records every
/// request and answers fixed labels — confidence up, language comfort high, one employability signal, one risk cue — with
/// the first word of the text as evidence of confidence_increase. <see cref="FailIfCalled"/> makes any call throw.
/// </summary>
public sealed class RecordingClassifier(string provider = "embedded", string modelId = "embedded-q2q-v1") : IOutcomeClassifier
{
    public ConcurrentQueue<ClassificationRequest> Requests { get; } = new();

    public bool FailIfCalled { get; set; }

    public string Provider { get; } = provider;

    public Task<ClassificationResult> ClassifyAsync(ClassificationRequest request, CancellationToken ct = default)
    {
        if (FailIfCalled)
        {
            throw new InvalidOperationException("This classifier must not be called: the text should never reach classification.");
        }

        Requests.Enqueue(request);
        var first = request.MaskedText.Split(' ')[0];
        var labels = new Q2QLabels(true, false, false, false, "high", ["skills_gained"], ["anxiety"], ["interview"],
            [new EvidenceItem(first, "confidence_increase", 0, first.Length), new EvidenceItem(request.MaskedText, "anxiety", 0, request.MaskedText.Length)]);
        return Task.FromResult(new ClassificationResult(labels, null, modelId, Provider, "embedded-q2q-v1"));
    }
}
