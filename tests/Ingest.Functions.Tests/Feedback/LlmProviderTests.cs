using System.Text.Json;
using Impact.Shared.Feedback.Models;
using Impact.Shared.Security;
using Microsoft.Extensions.AI;

namespace Impact.Ingest.Tests.Feedback;

/// <summary>
/// The LLM providers, tested at the IChatClient boundary: Azure OpenAI and OpenAI have no local form, so a scripted
/// IChatClient (ScriptedChatClient) answers in place of the service. Everything around it — registry, processor,
/// validation, retries, stored rows — is real.
/// </summary>
public sealed class LlmProviderTests
{
    private const string Valid = """
        {"confidence_increase": true, "confidence_decrease": false, "belonging_increase": true, "belonging_decrease": false,
         "language_comfort": "medium", "employability_signals": ["job_search", "networking"], "risk_cues": [], "topics": ["cv"],
         "evidence": [{"snippet": "I found a job", "label": "job_search", "position": 99}, {"snippet": "I belong", "label": "belonging_increase", "position": 0}]}
        """;

    private static async Task<FeedbackApp> WithOpenAiInUseAsync()
    {
        var f = await FeedbackApp.StartAsync(new Dictionary<string, string?> { ["Llm:MaxAttempts"] = "3" });
        var registry = f.App.Service<ModelRegistry>();
        await registry.SyncAsync([new ModelDefinition("openai-test", ModelProviders.OpenAI, "gpt-test", "q2q-v1", new Dictionary<string, double>(),
            DateTimeOffset.UtcNow.AddDays(-1), false)]);
        await registry.ActivateAsync("openai-test", new Caller("ops-1", "Olga", null, [Roles.Operator]));
        return f;
    }

    private static async Task<Guid> SubmitAndDrainAsync(FeedbackApp f, string text)
    {
        var acme = await f.CompanyAsync();
        var response = await f.SubmitAsync(acme, new { contentId = "t-1", contentType = "feedback_text", text });
        Assert.Equal(0, await f.DrainTextsAsync());
        return response.Json.GetProperty("id").GetGuid();
    }

    [Fact]
    public async Task AValidJsonAnswerBecomesScoresOfTheProviderWithEvidenceAtItsRealPosition()
    {
        await using var f = await WithOpenAiInUseAsync();
        f.Chat.Answer(Valid);

        var id = await SubmitAndDrainAsync(f, "I belong here now, mail ola@example.no. I found a job");

        var scores = await f.QueryAsync<(string Dimension, double Score, string ModelId, string Provider, string Method)>(
            "SELECT dimension, score, model_id, provider, method FROM impact.outcome_scores WHERE text_id = @id ORDER BY dimension", new { id });
        Assert.Equal([("belonging", 0.8), ("confidence", 0.8), ("job_readiness", 0.6), ("lang_level_proxy", 0.6), ("well_being", 0.9)],
            scores.Select(s => (s.Dimension, Math.Round(s.Score, 4))));
        Assert.All(scores, s => Assert.Equal(("openai-test", "openai", "ai"), (s.ModelId, s.Provider, s.Method)));
        Assert.Equal([(33, "I found a job"), (0, "I belong")], await f.QueryAsync<(int, string)>(
            "SELECT position, snippet FROM impact.evidence_snippets ORDER BY position DESC"));
        Assert.Empty(f.Classifier.Requests); // the embedded classifier was not used
        Assert.Equal(("openai", "gpt-test"), Assert.Single(f.Chat.Clients));
        var (messages, options) = Assert.Single(f.Chat.Calls);
        var sent = string.Join("\n", messages.Select(m => m.Text));
        Assert.Contains("[EMAIL]", sent, StringComparison.Ordinal);
        Assert.DoesNotContain("ola@example.no", sent, StringComparison.Ordinal); // only masked text leaves the platform
        var format = Assert.IsType<ChatResponseFormatJson>(options!.ResponseFormat);
        Assert.Equal("q2q_labels", format.SchemaName);
        Assert.Contains("employability_signals", JsonSerializer.Serialize(format.Schema), StringComparison.Ordinal);
        Assert.Equal("classified", await f.ScalarAsync<string>("SELECT status FROM impact.texts"));
    }

    [Fact]
    public async Task AMalformedAnswerIsRetriedAndTheValidOneIsScored()
    {
        await using var f = await WithOpenAiInUseAsync();
        f.Chat.Answer("Sure! Here are the labels: confidence up").Answer(Valid.Replace("\"cv\"", "\"knitting\"")).Answer(Valid);

        await SubmitAndDrainAsync(f, "I belong here now. I found a job");

        Assert.Equal(3, f.Chat.Calls.Count);
        Assert.Contains("invalid", f.Chat.Calls.Last().Messages[^1].Text, StringComparison.Ordinal);
        Assert.Equal(5, await f.ScalarAsync<long>("SELECT count(*) FROM impact.outcome_scores"));
        Assert.Equal("classified", await f.ScalarAsync<string>("SELECT status FROM impact.texts"));
    }

    [Theory]
    [InlineData("malformed")]
    [InlineData("throwing")]
    [InlineData("snippet not in the text")]
    public async Task AProviderThatNeverAnswersValidlyLeavesTheTextUnscoredWithNoScoreRows(string provider)
    {
        await using var f = await WithOpenAiInUseAsync();
        _ = provider switch
        {
            "malformed" => f.Chat.Answer("{\"confidence_increase\": \"very\"}"),
            "throwing" => f.Chat.Throw(new HttpRequestException("503 from the provider")),
            _ => f.Chat.Answer(Valid.Replace("I found a job", "I won the lottery")),
        };

        await SubmitAndDrainAsync(f, "I belong here now. I found a job");

        Assert.Equal(3, f.Chat.Calls.Count); // bounded: Llm:MaxAttempts
        var (status, reason, model) = (await f.QueryAsync<(string, string, string)>("SELECT status, unscored_reason, model_id FROM impact.texts")).Single();
        Assert.Equal(("unscored", "openai-test"), (status, model));
        Assert.Contains("after 3 attempts", reason, StringComparison.Ordinal);
        Assert.Equal(0, await f.ScalarAsync<long>("SELECT count(*) FROM impact.outcome_scores"));
        Assert.Equal(0, await f.ScalarAsync<long>("SELECT count(*) FROM impact.events WHERE type = 'q2q.outcome.scored'"));
    }

    [Fact]
    public void TheRealClientsAreBuiltFromSettingsWithoutANetworkCallAndAnUnconfiguredProviderHasNone()
    {
        var real = new Impact.Shared.Feedback.Llm.Q2QChatClients(Microsoft.Extensions.Options.Options.Create(new Impact.Shared.Feedback.Llm.LlmOptions
        {
            AzureOpenAI = new() { Endpoint = "https://example.openai.azure.com", ApiKey = "test-key" },
            OpenAI = new() { ApiKey = "test-key" },
        }));
        var unconfigured = new Impact.Shared.Feedback.Llm.Q2QChatClients(Microsoft.Extensions.Options.Options.Create(new Impact.Shared.Feedback.Llm.LlmOptions()));

        // Built without any network call; an unconfigured provider has no client.
        Assert.NotNull(real.For(ModelProviders.AzureOpenAI, "gpt-4o-mini"));
        Assert.NotNull(real.For(ModelProviders.OpenAI, "gpt-4o-mini"));
        Assert.Null(unconfigured.For(ModelProviders.OpenAI, "gpt-4o-mini"));
        real.Dispose();
    }
}
