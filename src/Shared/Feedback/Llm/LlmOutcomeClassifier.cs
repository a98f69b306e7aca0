using Impact.Shared.Feedback.Budgets;
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
/// Every call is paid for: before it, <see cref="Q2QBudgets"/> takes a rate-limit slot and reserves an upper bound of its
/// cost (input bound + the maximum output tokens, at the model's prices); after it the reservation is settled to the
/// provider's token usage, or released when the call failed. A refusal (<see cref="Q2QLimitException"/>, 429) or a budget
/// store that cannot be reached (<see cref="Q2QBudgetUnavailableException"/>, 503) is thrown before any call is made.
/// </summary>
public sealed partial class LlmOutcomeClassifier(string provider, IQ2QChatClients clients, ModelRegistry registry, Q2QBudgets budgets,
    IOptions<LlmOptions> options, IOptions<Q2QCostOptions> costOptions, ILogger<LlmOutcomeClassifier> logger) : IOutcomeClassifier
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

        if (request.CompanyId is not { } companyId)
        {
            // Budgets are per company: a text of no company has nobody to charge, so it is never sent to a paid provider.
            return Unscored($"no company to charge: {Provider} calls need a company's AI budget", 0, 0);
        }

        var messages = new List<ChatMessage>
        {
            new(ChatRole.System, Q2QOutput.Instruction),
            new(ChatRole.User, $"Language: {request.Language}\nText:\n{request.MaskedText}"),
        };
        var maxOutputTokens = costOptions.Value.MaxOutputTokens;
        var chatOptions = new ChatOptions
        {
            Temperature = 0,
            MaxOutputTokens = maxOutputTokens,
            ResponseFormat = ChatResponseFormat.ForJsonSchema(Q2QOutput.Schema, "q2q_labels", "Q2Q labels of one feedback text"),
        };
        var attempts = options.Value.MaxAttempts;
        long inputTokens = 0, outputTokens = 0;
        var reason = "no answer";
        for (var attempt = 1; attempt <= attempts; attempt++)
        {
            var inputBound = Q2QCost.InputTokenBound(messages, chatOptions);
            var estimate = Q2QCost.Usd(inputBound, maxOutputTokens, model.InputUsdPerMillion, model.OutputUsdPerMillion);
            // Throws before the call when the window is full, the budget cannot hold it, or the store is down.
            var reservation = await budgets.ReserveAsync(companyId, Provider, model.Id, estimate, ct);
            ChatResponse response;
            try
            {
                using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
                timeout.CancelAfter(TimeSpan.FromSeconds(options.Value.TimeoutSeconds));
                response = await client.GetResponseAsync(messages, chatOptions, timeout.Token);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                await budgets.ReleaseAsync(reservation, called: true);
                reason = $"provider error: {e.GetType().Name}";
                LogAttemptFailed(logger, Provider, attempt, reason);
                continue;
            }
            catch (OperationCanceledException)
            {
                await budgets.ReleaseAsync(reservation, called: true);
                throw;
            }

            // A response without usage is charged what was reserved: the bound, never less than the call cost.
            var callInput = response.Usage?.InputTokenCount ?? inputBound;
            var callOutput = response.Usage?.OutputTokenCount ?? maxOutputTokens;
            await budgets.SettleAsync(reservation, callInput, callOutput,
                Q2QCost.Usd(callInput, callOutput, model.InputUsdPerMillion, model.OutputUsdPerMillion));
            inputTokens += callInput;
            outputTokens += callOutput;
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
