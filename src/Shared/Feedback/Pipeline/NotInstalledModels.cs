using Impact.Shared.Feedback.Models;

namespace Impact.Shared.Feedback.Pipeline;

/// <summary>
/// Stand-ins until the screener, language detector and embedded classifier are merged (feat/q2q-screening,
/// feat/q2q-core): they fail closed. Screening throws, so no text goes past it unscreened (the queue retries
/// and then marks it failed); the detector says unknown; the classifier leaves texts unscored. Registered with
/// TryAdd, so the real implementations replace them.
/// </summary>
public static class NotInstalledModels
{
    /// <summary>Screening is not installed: every call throws.</summary>
    public sealed class Screener : ITextScreener
    {
        /// <inheritdoc />
        public ScreeningResult Screen(string text, string? language = null) =>
            throw new InvalidOperationException("No safety screener is installed (AddSafetyScreening); texts wait unscreened.");
    }

    /// <summary>No language detector: every text is <c>unknown</c>.</summary>
    public sealed class LanguageDetector : ILanguageDetector
    {
        /// <inheritdoc />
        public LanguageGuess Detect(string text) => new(LanguageGuess.Unknown, 0);
    }

    /// <summary>No embedded classifier: texts are stored unscored with that reason.</summary>
    public sealed class EmbeddedClassifier : IOutcomeClassifier
    {
        /// <inheritdoc />
        public string Provider => ModelProviders.Embedded;

        /// <inheritdoc />
        public Task<ClassificationResult> ClassifyAsync(ClassificationRequest request, CancellationToken ct = default) =>
            Task.FromResult(new ClassificationResult(null, "the embedded classifier is not installed", "none", Provider, "none"));
    }
}
