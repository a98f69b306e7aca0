using Impact.Shared.Feedback.Models;
using Impact.Shared.Feedback.Review;

namespace Impact.Shared.Feedback.Pipeline;

/// <summary>
/// Synchronous classification of one text for a caller's company (<c>POST /v1/q2q/classify</c>), by the rules of the
/// pipeline: screening first — a HIGH text is never classified —, language detection, then the classifier of the model in
/// use on the PII-masked text only. Nothing of the text is stored; a paid call goes through the company's rate limit and
/// budget like every other (a refusal is thrown as a 429, an unreachable budget store as a 503, before any provider call).
/// </summary>
public sealed class TextClassification(ITextScreener screener, ILanguageDetector languages, IEnumerable<IOutcomeClassifier> classifiers,
    ModelRegistry registry)
{
    private readonly IReadOnlyList<IOutcomeClassifier> classifiers = [.. classifiers];

    /// <summary>Classifies <paramref name="text"/> for <paramref name="companyId"/>.</summary>
    public async Task<Q2QClassifyResult> ClassifyAsync(string text, Guid companyId, CancellationToken ct = default)
    {
        var screening = screener.Screen(text);
        var risk = SafetyFlags.RiskName(screening.Risk);
        var language = languages.Detect(text);
        if (screening.Risk == RiskLevel.High)
        {
            return new Q2QClassifyResult(TextStatus.Held, risk, language.Language, null, null, null, null, null,
                "screening rated the text HIGH risk: it is never classified", 0, 0);
        }

        var model = await registry.CurrentAsync(ct);
        var classifier = model is null ? null : classifiers.LastOrDefault(c => c.Provider == model.Provider);
        if (model is null || classifier is null)
        {
            return new Q2QClassifyResult(TextStatus.Unscored, risk, language.Language, model?.Id, model?.Provider, model?.PromptVersion, null, null,
                model is null ? "no active model has taken effect" : $"no classifier is registered for provider {model.Provider}", 0, 0);
        }

        var result = await classifier.ClassifyAsync(new ClassificationRequest(screening.MaskedText, language.Language, companyId), ct);
        return new Q2QClassifyResult(result.Scored ? TextStatus.Classified : TextStatus.Unscored, risk, language.Language, result.ModelId,
            result.Provider, result.PromptVersion, result.Labels is { } labels ? OutcomeDimensions.From(labels).ToDictionary() : null,
            result.Labels, result.UnscoredReason, result.InputTokens, result.OutputTokens);
    }
}
