using System.Collections.Concurrent;
using Impact.Shared.Feedback.Llm;
using Microsoft.Extensions.AI;

namespace Impact.TestSupport.Feedback;

/// <summary>
/// The LLM boundary in tests: an <see cref="IChatClient"/> that answers from a script (a text, or an exception to throw)
/// and records what it was sent. Azure OpenAI and OpenAI have no local form, so providers are tested here, at
/// <c>IChatClient</c>. When the script runs out it repeats the last entry.
/// </summary>
public sealed class ScriptedChatClient : IChatClient, IQ2QChatClients
{
    private readonly ConcurrentQueue<Func<ChatResponse>> script = new();
    private Func<ChatResponse>? last;

    public ConcurrentQueue<(IReadOnlyList<ChatMessage> Messages, ChatOptions? Options)> Calls { get; } = new();

    public ConcurrentQueue<(string Provider, string Model)> Clients { get; } = new();

    public ScriptedChatClient Answer(string text, long inputTokens = 100, long outputTokens = 50)
    {
        script.Enqueue(() => new ChatResponse(new ChatMessage(ChatRole.Assistant, text))
        {
            Usage = new UsageDetails { InputTokenCount = inputTokens, OutputTokenCount = outputTokens },
        });
        return this;
    }

    public ScriptedChatClient Throw(Exception e)
    {
        script.Enqueue(() => throw e);
        return this;
    }

    public IChatClient? For(string provider, string model)
    {
        Clients.Enqueue((provider, model));
        return this;
    }

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        Calls.Enqueue(([.. messages], options));
        var next = script.TryDequeue(out var step) ? last = step : last ?? throw new InvalidOperationException("The chat script is empty.");
        return Task.FromResult(next());
    }

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null,
        CancellationToken cancellationToken = default) => throw new NotSupportedException("Q2Q never streams.");

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}
