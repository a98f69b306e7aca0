using Impact.Ingest.Feedback;
using Impact.Shared.Feedback.Models;
using Impact.Shared.Security;
using Impact.TestSupport;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Impact.Ingest.Tests.Feedback;

/// <summary>The model registry: models.yaml synced at start-up, activation (operators only, audited), one active model per provider, effective_from.</summary>
public sealed class ModelRegistryTests
{
    private static readonly Caller Ops = new("ops-1", "Olga", null, [Roles.Operator]);

    [Fact]
    public async Task StartUpSyncsModelsYamlAndASecondSyncChangesNothing()
    {
        await using var f = await FeedbackApp.StartAsync();
        var file = ModelsFile.Parse(await File.ReadAllTextAsync(Path.Combine(LocalServices.RepositoryRoot, "models.yaml")));

        var rows = await f.QueryAsync<(string Id, string Provider, string Model, string PromptVersion, DateTime EffectiveFrom, bool Active)>(
            "SELECT id, provider, model, prompt_version, effective_from, active FROM impact.model_registry ORDER BY id");
        Assert.Equal(file.OrderBy(m => m.Id, StringComparer.Ordinal).Select(m => (m.Id, m.Provider, m.Model, m.PromptVersion, m.EffectiveFrom.UtcDateTime, m.Active)), rows);
        Assert.Equal(0, await f.App.Service<ModelRegistry>().SyncAsync(file));
        var models = await f.CallAsync(FeedbackApp.Request("GET", "/v1/models", FeedbackApp.Operator()), r => f.App.Function<ModelRegistryApi>().ListModels(r, CancellationToken.None));
        var inUse = models.Json.GetProperty("items").EnumerateArray().Where(m => m.GetProperty("inUse").GetBoolean()).Select(m => m.GetProperty("id").GetString()).ToList();
        Assert.Equal(["embedded-q2q-v1"], inUse); // the embedded model is the default
    }

    [Fact]
    public async Task AYamlEntryThatChangesIsUpdatedButItsActiveFlagDoesNotOverrideAnActivation()
    {
        await using var f = await FeedbackApp.StartAsync();
        var registry = f.App.Service<ModelRegistry>();
        await registry.ActivateAsync("openai-gpt-4o-mini-q2q-v1", Ops);
        await registry.SyncAsync(ModelsFile.Parse("""
            models:
              - id: openai-gpt-4o-mini-q2q-v1
                provider: openai
                model: gpt-4o-mini-2026
                prompt_version: q2q-v2
                effective_from: 2026-12-01T00:00:00Z
                active: false
                price: { input_usd_per_1m: 0.2, output_usd_per_1m: 0.8 }
            """));

        Assert.Equal(("gpt-4o-mini-2026", "q2q-v2", true, 0.2m, 0.8m), (await f.QueryAsync<(string, string, bool, decimal, decimal)>(
            "SELECT model, prompt_version, active, input_usd_per_1m, output_usd_per_1m FROM impact.model_registry WHERE id = 'openai-gpt-4o-mini-q2q-v1'")).Single());
        Assert.Throws<FormatException>(() => ModelsFile.Parse("""
            models:
              - { id: a, provider: openai, model: m, prompt_version: p, effective_from: 2026-01-01, active: true, price: { input_usd_per_1m: 1, output_usd_per_1m: 1 } }
              - { id: b, provider: openai, model: m, prompt_version: p, effective_from: 2026-01-01, active: true, price: { input_usd_per_1m: 1, output_usd_per_1m: 1 } }
            """));
        // A paid model without a price (or with half of one) would be metered as free.
        Assert.Contains("needs price", Assert.Throws<FormatException>(() => ModelsFile.Parse(
            "models:\n  - { id: a, provider: openai, model: m, prompt_version: p, effective_from: 2026-01-01 }")).Message, StringComparison.Ordinal);
        Assert.Throws<FormatException>(() => ModelsFile.Parse(
            "models:\n  - { id: a, provider: openai, model: m, prompt_version: p, effective_from: 2026-01-01, price: { input_usd_per_1m: 1 } }"));
        Assert.Throws<FormatException>(() => ModelsFile.Parse("models:\n  - { id: a, provider: llama, model: m, prompt_version: p, effective_from: 2026-01-01 }"));
    }

    [Fact]
    public async Task ActivationIsForOperatorsOnlyAuditedAndLeavesOneActiveModelPerProvider()
    {
        await using var f = await FeedbackApp.StartAsync();
        var acme = await f.CompanyAsync();
        await f.App.Service<ModelRegistry>().SyncAsync([new ModelDefinition("openai-second", ModelProviders.OpenAI, "gpt-x", "q2q-v1",
            new Dictionary<string, double>(), DateTimeOffset.Parse("2026-01-01T00:00:00Z"), false)]);
        Task<TestResponse> Activate(string token, string id) =>
            f.CallAsync(FeedbackApp.Request("POST", $"/v1/models/{id}/activate", token), r => f.App.Function<ModelRegistryApi>().ActivateModel(r, id, CancellationToken.None));

        var asAdmin = await Activate(FeedbackApp.Admin(acme), "openai-second");
        var asReviewer = await f.CallAsync(FeedbackApp.Request("GET", "/v1/models", FeedbackApp.Reviewer(acme)), r => f.App.Function<ModelRegistryApi>().ListModels(r, CancellationToken.None));
        var first = await Activate(FeedbackApp.Operator("ops-1"), "openai-gpt-4o-mini-q2q-v1");
        var second = await Activate(FeedbackApp.Operator("ops-2"), "openai-second");
        var again = await Activate(FeedbackApp.Operator("ops-2"), "openai-second");
        var unknown = await Activate(FeedbackApp.Operator(), "no-such-model");

        Assert.Equal((403, 403, 200, 200, 200, 404), (asAdmin.Status, asReviewer.Status, first.Status, second.Status, again.Status, unknown.Status));
        Assert.Equal("application/problem+json", unknown.ContentType);
        Assert.Equal([("embedded", "embedded-q2q-v1"), ("openai", "openai-second")], await f.QueryAsync<(string, string)>(
            "SELECT provider, id FROM impact.model_registry WHERE active ORDER BY provider"));
        var audit = await f.QueryAsync<(string Action, string Subject, string By)>("SELECT action, subject, performed_by FROM impact.audit_log ORDER BY id");
        Assert.Equal([("q2q.model.activate", "model:openai-gpt-4o-mini-q2q-v1", "ops-1"), ("q2q.model.activate", "model:openai-second", "ops-2")], audit);
        // The partial unique index is the last word: a second active model of a provider cannot be written.
        await Assert.ThrowsAsync<Npgsql.PostgresException>(() =>
            f.ScalarAsync<int>("UPDATE impact.model_registry SET active = true WHERE id = 'openai-gpt-4o-mini-q2q-v1' RETURNING 1"));
    }

    [Fact]
    public async Task AnActivatedModelIsNotUsedBeforeItsEffectiveFromAndIsFromThenOn()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-11-15T00:00:00Z"));
        await using var f = await FeedbackApp.StartAsync(services: s => s.AddSingleton<TimeProvider>(clock));
        var acme = await f.CompanyAsync();
        // The models.yaml OpenAI model is priced: without a budget (the default is 0 USD) its call would be deferred.
        await f.ScalarAsync<int>("INSERT INTO impact.q2q_budgets (company_id, monthly_usd, updated_by) VALUES (@acme, 1, 'test') RETURNING 1", new { acme });
        var registry = f.App.Service<ModelRegistry>();
        f.Chat.Answer("""
            {"confidence_increase": false, "confidence_decrease": true, "belonging_increase": false, "belonging_decrease": false,
             "language_comfort": "low", "employability_signals": [], "risk_cues": [], "topics": [], "evidence": []}
            """);

        var activated = await registry.ActivateAsync("openai-gpt-4o-mini-q2q-v1", Ops); // effective from 2026-12-01
        await f.SubmitAsync(acme, new { contentId = "before", contentType = "other", text = "a text in November" });
        await f.DrainTextsAsync();
        clock.SetUtcNow(DateTimeOffset.Parse("2026-12-01T00:00:01Z"));
        await f.SubmitAsync(acme, new { contentId = "after", contentType = "other", text = "a text in December" });
        await f.DrainTextsAsync();

        Assert.True(activated.Active);
        Assert.False(activated.InUse);
        Assert.Equal([("after", "openai-gpt-4o-mini-q2q-v1"), ("before", "embedded-q2q-v1")], await f.QueryAsync<(string, string)>(
            "SELECT split_part(t.content_id, '/', 2), o.model_id FROM impact.texts t JOIN impact.outcome_scores o ON o.text_id = t.id AND o.dimension = 'confidence' ORDER BY 1"));
        Assert.Single(f.Classifier.Requests);
        Assert.Single(f.Chat.Calls);
    }
}
