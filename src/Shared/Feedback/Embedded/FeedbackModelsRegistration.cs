using Impact.Shared.Feedback.Language;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Impact.Shared.Feedback.Embedded;

/// <summary>Registers the offline feedback models; the feedback pipeline's registration calls this once.</summary>
public static class FeedbackModelsRegistration
{
    /// <summary>
    /// <see cref="ILanguageDetector"/> (Lingua, restricted) and the embedded <see cref="IOutcomeClassifier"/>,
    /// both singletons (the language models and weights are loaded once, on first use). The embedded classifier
    /// is also registered as itself, so a pipeline that picks a provider from the model registry can ask for it
    /// by type next to LLM providers.
    /// </summary>
    public static IServiceCollection AddFeedbackModels(this IServiceCollection services)
    {
        services.TryAddSingleton<ILanguageDetector, LinguaLanguageDetector>();
        services.TryAddSingleton<EmbeddedOutcomeClassifier>();
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IOutcomeClassifier, EmbeddedOutcomeClassifier>(sp => sp.GetRequiredService<EmbeddedOutcomeClassifier>()));
        return services;
    }
}
