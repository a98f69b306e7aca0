using Impact.Shared.Feedback.Models;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Impact.Shared.Feedback.Llm;

/// <summary>
/// Q2Q by an LLM through <see cref="IChatClient"/> (SPEC §H): the masked text and the instruction go out with the JSON
/// schema of <see cref="Q2QOutput"/> as structured output; the answer is validated; a malformed answer or a provider
/// error is retried up to <see cref="LlmOptions.MaxAttempts"/> calls; after that the result is unscored (labels null,
/// with the reason) — never invented neutral scores. One instance per provider (Azure OpenAI, OpenAI).
/// </summary>
public sealed partial class LlmOutcomeClassifier(string provider, IQ2QChatClients clients, ModelRegistry registry,
    IOptions<LlmOptions> options, ILogger<LlmOutcomeClassifier> logger) : IOutcomeClassifier
{
    /// <inheritdoc />
    public string Provider { get; } = provider;

    /// <inheritdoc />
    public async Task<ClassificationResult> ClassifyAsync(ClassificationRequest request, CancellationToken ct = default)
    {
        var model = request.Model ?? await registry.CurrentAsync(ct);
        if (model is null || model.Provider != Provider)
        {
            return new ClassificationResult(null, $"no {Provider} model is in use", model?.Id ?? "none", Provider, model?.PromptVersion ?? Q2QOutput.PromptVersion);
        }

        ClassificationResult Unscored(string reason, long input, long output) =>
            new(null, reason, model.Id, Provider, model.PromptVersion, input, output);

        var client = clients.For(Provider, model.Model);
        if (client is null)
        {
            return Unscored($"{Provider} is not configured (Llm settings)", 0, 0);
        }

        var messages = new List<ChatMessage>
        {
            new(ChatRole.System, Q2QOutput.Instruction),
            new(ChatRole.User, $"Language: {request.Language}\nText:\n{request.MaskedText}"),
        };
        var chatOptions = new ChatOptions
        {
            Temperature = 0,
            ResponseFormat = ChatResponseFormat.ForJsonSchema(Q2QOutput.Schema, "q2q_labels", "Q2Q labels of one feedback text"),
        };
        var attempts = options.Value.MaxAttempts;
        long inputTokens = 0, outputTokens = 0;
        var reason = "no answer";
        for (var attempt = 1; attempt <= attempts; attempt++)
        {
            ChatResponse response;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(TimeSpan.FromSeconds(options.Value.TimeoutSeconds));
                response = await client.GetResponseAsync(messages, chatOptions, timeout.Token);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                reason = $"provider error: {e.GetType().Name}";
                LogAttemptFailed(logger, Provider, attempt, reason);
                continue;
            }

            inputTokens += response.Usage?.InputTokenCount ?? 0;
            outputTokens += response.Usage?.OutputTokenCount ?? 0;
            var (labels, error) = Q2QOutput.Parse(response.Text, request.MaskedText);
            if (labels is not null)
            {
                return new ClassificationResult(labels, null, model.Id, Provider, model.PromptVersion, inputTokens, outputTokens);
            }

            reason = $"invalid answer: {error}";
            LogAttemptFailed(logger, Provider, attempt, reason);
            // Say what was wrong; the model answers again from the same conversation.
            messages.Add(new ChatMessage(ChatRole.Assistant, response.Text));
            messages.Add(new ChatMessage(ChatRole.User, $"That answer was invalid ({error}). Answer again with one JSON object that follows the schema."));
        }

        return Unscored($"{reason} after {attempts} attempts", inputTokens, outputTokens);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Provider} classification attempt {Attempt} failed: {Reason}")]
    private static partial void LogAttemptFailed(ILogger logger, string provider, int attempt, string reason);
}
