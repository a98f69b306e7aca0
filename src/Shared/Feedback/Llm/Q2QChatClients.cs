using System.ClientModel;
using System.Collections.Concurrent;
using Azure.AI.OpenAI;
using Azure.Identity;
using Impact.Shared.Feedback.Models;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.Options;
using OpenAI;

namespace Impact.Shared.Feedback.Llm;

/// <summary>Azure OpenAI and OpenAI chat clients through <c>Microsoft.Extensions.AI</c>, one per provider and model, built on first use.</summary>
public sealed class Q2QChatClients(IOptions<LlmOptions> options) : IQ2QChatClients, IDisposable
{
    private readonly ConcurrentDictionary<(string Provider, string Model), IChatClient?> clients = new();

    /// <inheritdoc />
    public IChatClient? For(string provider, string model) => clients.GetOrAdd((provider, model), key => Create(key.Provider, key.Model));

    private IChatClient? Create(string provider, string model)
    {
        var o = options.Value;
        var timeout = TimeSpan.FromSeconds(o.TimeoutSeconds);
        switch (provider)
        {
            case ModelProviders.AzureOpenAI when !string.IsNullOrWhiteSpace(o.AzureOpenAI.Endpoint):
                var endpoint = new Uri(o.AzureOpenAI.Endpoint);
                var azureOptions = new AzureOpenAIClientOptions { NetworkTimeout = timeout };
                var azure = string.IsNullOrWhiteSpace(o.AzureOpenAI.ApiKey)
                    ? new AzureOpenAIClient(endpoint, new DefaultAzureCredential(), azureOptions)
                    : new AzureOpenAIClient(endpoint, new ApiKeyCredential(o.AzureOpenAI.ApiKey), azureOptions);
                return azure.GetChatClient(model).AsIChatClient();
            case ModelProviders.OpenAI when !string.IsNullOrWhiteSpace(o.OpenAI.ApiKey):
                var openAiOptions = new OpenAIClientOptions { NetworkTimeout = timeout };
                if (!string.IsNullOrWhiteSpace(o.OpenAI.Endpoint))
                {
                    openAiOptions.Endpoint = new Uri(o.OpenAI.Endpoint);
                }

                return new OpenAIClient(new ApiKeyCredential(o.OpenAI.ApiKey), openAiOptions).GetChatClient(model).AsIChatClient();
            default:
                return null;
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var client in clients.Values)
        {
            client?.Dispose();
        }
    }
}
