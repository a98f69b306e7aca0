using Impact.Shared.Feedback.Budgets;
using Impact.Shared.Feedback.Embedded;
using Impact.Shared.Feedback.Llm;
using Impact.Shared.Feedback.Models;
using Impact.Shared.Feedback.Pipeline;
using Impact.Shared.Feedback.Review;
using Impact.Shared.Feedback.Screening;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;

namespace Impact.Shared.Feedback;

/// <summary>The feedback intelligence feature's registration: the text pipeline, the review queue, the model registry and the LLM providers.</summary>
public static class FeedbackRegistration
{
    /// <summary>
    /// <see cref="TextPipelineOptions"/>, <see cref="TextQueueOptions"/>, <see cref="LlmOptions"/> and <see cref="Q2QCostOptions"/>
    /// (validated at start-up); the outbox, queue, stores and processor; the registry and its start-up sync; the budgets and
    /// rate limit of paid calls; one <see cref="IOutcomeClassifier"/> per LLM provider.
    /// </summary>
    public static IHostApplicationBuilder AddFeedback(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<TextPipelineOptions>().BindConfiguration(TextPipelineOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<TextQueueOptions>().Bind(builder.Configuration).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<LlmOptions>().BindConfiguration(LlmOptions.Section).ValidateDataAnnotations()
            .Validate(o => string.IsNullOrEmpty(o.AzureOpenAI.Endpoint) || Uri.TryCreate(o.AzureOpenAI.Endpoint, UriKind.Absolute, out _),
                "Llm:AzureOpenAI:Endpoint must be an absolute URL.")
            .Validate(o => string.IsNullOrEmpty(o.OpenAI.Endpoint) || Uri.TryCreate(o.OpenAI.Endpoint, UriKind.Absolute, out _),
                "Llm:OpenAI:Endpoint must be an absolute URL.")
            .ValidateOnStart();
        builder.Services.AddOptions<Q2QCostOptions>().BindConfiguration(Q2QCostOptions.Section).ValidateDataAnnotations().ValidateOnStart();

        builder.Services.AddSingleton<TextQueue>();
        builder.Services.AddSingleton<TextOutbox>();
        builder.Services.AddSingleton<TextStore>();
        builder.Services.AddSingleton<TextProcessor>();
        builder.Services.AddSingleton<TextClassification>();
        builder.Services.AddSingleton<Q2QBudgets>();
        builder.Services.AddSingleton<SafetyReviewStore>();
        builder.Services.AddSingleton<ModelRegistry>();
        builder.Services.AddHostedService<ModelRegistrySync>();

        builder.Services.TryAddSingleton<IQ2QChatClients, Q2QChatClients>();
        builder.Services.AddSingleton<IOutcomeClassifier>(sp => ActivatorUtilities.CreateInstance<LlmOutcomeClassifier>(sp, ModelProviders.AzureOpenAI));
        builder.Services.AddSingleton<IOutcomeClassifier>(sp => ActivatorUtilities.CreateInstance<LlmOutcomeClassifier>(sp, ModelProviders.OpenAI));

        // The language detector and the embedded classifier (feat/q2q-core).
        builder.Services.AddFeedbackModels();
        // The safety screener (word lists and PII detectors).
        builder.Services.AddSafetyScreening();
        return builder;
    }
}
