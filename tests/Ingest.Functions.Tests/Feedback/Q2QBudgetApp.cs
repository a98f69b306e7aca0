using Impact.Ingest.Feedback;
using Impact.Shared.Feedback.Models;
using Impact.Shared.Security;
using Impact.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Impact.Ingest.Tests.Feedback;

/// <summary>
/// Helpers of the Q2Q cost-control tests: app instances on a <see cref="FakeTimeProvider"/> with a paid model in use whose
/// price makes every call cost exactly <see cref="CallUsd"/> (input free, 1,000 USD per 1M output tokens, 100 output tokens
/// reserved and — by the scripted client — reported per call), and the calls of the classify and budget APIs.
/// </summary>
internal static class Q2QBudgetApp
{
    public const string ModelId = "openai-metered";

    public const int MaxOutputTokens = 100;

    /// <summary>What one call reserves and, when the provider reports 100 output tokens, costs: 100 × 1000 / 1e6.</summary>
    public const decimal CallUsd = 0.1m;

    public const string Text = "I belong here now. I found a job";

    public const string Valid = """
        {"confidence_increase": true, "confidence_decrease": false, "belonging_increase": true, "belonging_decrease": false,
         "language_comfort": "medium", "employability_signals": ["job_search"], "risk_cues": [], "topics": ["cv"],
         "evidence": [{"snippet": "I found a job", "label": "job_search", "position": 19}]}
        """;

    public static Dictionary<string, string?> Settings(int requestsPerMinute = 1000, int maxAttempts = 1) => new()
    {
        ["Llm:MaxAttempts"] = maxAttempts.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Q2QCost:MaxOutputTokens"] = MaxOutputTokens.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Q2QCost:RequestsPerMinute"] = requestsPerMinute.ToString(System.Globalization.CultureInfo.InvariantCulture),
    };

    /// <summary>An instance on <paramref name="clock"/>; over <paramref name="shared"/>'s database when given (a second instance).</summary>
    public static Task<FeedbackApp> StartAsync(FakeTimeProvider clock, Dictionary<string, string?> settings, FeedbackApp? shared = null) =>
        FeedbackApp.StartAsync(settings, s => s.AddSingleton<TimeProvider>(clock), shared?.App.Database);

    /// <summary>Puts the paid test model in use (once per database).</summary>
    public static async Task UsePaidModelAsync(FeedbackApp f, decimal inputUsdPerMillion = 0m, decimal outputUsdPerMillion = 1000m)
    {
        var registry = f.App.Service<ModelRegistry>();
        await registry.SyncAsync([new ModelDefinition(ModelId, ModelProviders.OpenAI, "gpt-test", "q2q-v1", new Dictionary<string, double>(),
            DateTimeOffset.Parse("2026-01-01T00:00:00Z"), false, inputUsdPerMillion, outputUsdPerMillion)]);
        await registry.ActivateAsync(ModelId, new Caller("ops-1", "Olga", null, [Roles.Operator]));
    }

    public static Task<TestResponse> ClassifyAsync(FeedbackApp f, Guid company, string text = Text) =>
        f.CallAsync(FeedbackApp.Request("POST", "/v1/q2q/classify", FeedbackApp.Admin(company), new { text }),
            r => f.App.Function<Q2QClassifyApi>().ClassifyText(r, CancellationToken.None));

    public static Task<TestResponse> SetBudgetAsync(FeedbackApp f, Guid company, object body, string? token = null) =>
        f.CallAsync(FeedbackApp.Request("PUT", $"/v1/companies/{company}/ai-budget", token ?? FeedbackApp.Operator(), body),
            r => f.App.Function<AiBudgetApi>().SetAiBudget(r, company.ToString(), CancellationToken.None));

    public static Task<TestResponse> GetBudgetAsync(FeedbackApp f, string company, string token) =>
        f.CallAsync(FeedbackApp.Request("GET", $"/v1/companies/{company}/ai-budget", token),
            r => f.App.Function<AiBudgetApi>().GetAiBudget(r, company, CancellationToken.None));
}
