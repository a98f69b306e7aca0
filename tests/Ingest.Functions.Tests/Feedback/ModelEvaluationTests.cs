using System.Text.Json;
using Impact.Ingest.Feedback;
using Impact.Shared.Feedback;
using Impact.TestSupport;
using Impact.TestSupport.Feedback;
using Microsoft.Extensions.DependencyInjection;

namespace Impact.Ingest.Tests.Feedback;

/// <summary>
/// The evaluation harness through the operator API (SPEC §I): a registry model over a small labelled set whose figures
/// are worked out by hand below, stored in eval_runs with the same bytes on every run; and the activation gate.
/// </summary>
public sealed class ModelEvaluationTests
{
    // The fixed set: gold labels and what the (scripted) embedded model answers for each text.
    //   e1 en  gold {confidence_increase, comfort high, topics.cv}      predicted {confidence_increase, comfort high, topics.cv}
    //   e2 en  gold {confidence_increase, comfort medium}               predicted {comfort medium, topics.cv}
    //   e3 en  gold {comfort low, risk_cues.anxiety}                    predicted {confidence_increase, comfort medium, risk_cues.anxiety}
    //   u1 uk  gold {confidence_increase, comfort low}                  predicted {confidence_increase, comfort low}
    //   u2 uk  gold {comfort low, risk_cues.anxiety}                    predicted {comfort medium}
    //
    // By hand, en (3 texts): label        TP FP FN TN   P      R      F1
    //                        conf_incr     1  1  1  0   0.5    0.5    0.5          (e1 hit, e3 false alarm, e2 missed)
    //                        comfort.low   0  0  1  2   0      0      0            (e3 missed)
    //                        comfort.med   1  1  0  1   0.5    1      2/3=0.6667   (e2 hit, e3 false alarm)
    //                        comfort.high  1  0  0  2   1      1      1
    //                        anxiety       1  0  0  2   1      1      1
    //                        topics.cv     1  1  0  1   0.5    1      0.6667       (e1 hit, e2 false alarm)
    //   macro-F1 en = (0.5 + 0 + 2/3 + 1 + 1 + 2/3) / 6 = 23/36 = 0.6389 (the other 23 labels neither occur nor are predicted)
    // uk (2 texts):          conf_incr     1  0  0  1   1      1      1
    //                        comfort.low   1  0  1  0   1      0.5    2/3=0.6667   (u1 hit, u2 missed)
    //                        comfort.med   0  1  0  1   0      0      0            (u2 false alarm)
    //                        anxiety       0  0  1  1   0      0      0            (u2 missed)
    //   macro-F1 uk = (1 + 2/3 + 0 + 0) / 4 = 5/12 = 0.4167
    // all (5 texts):         conf_incr     2  1  1  1   2/3    2/3    4/6=0.6667
    //                        comfort.low   1  0  2  2   1      1/3    2/4=0.5
    //                        comfort.med   1  2  0  2   1/3    1      2/4=0.5
    //                        comfort.high  1  0  0  4   1      1      1
    //                        anxiety       1  0  1  3   1      0.5    2/3=0.6667
    //                        topics.cv     1  1  0  3   0.5    1      0.6667
    //   macro-F1 all = (2/3 + 0.5 + 0.5 + 1 + 2/3 + 2/3) / 6 = 4/6 = 0.6667
    // Fairness gap = 0.6389 − 0.4167 = 0.2222 > 0.15 → high (best en, worst uk).
    // Language comfort en: high→high 1, medium→medium 1, low→medium 1; uk: low→low 1, low→medium 1.
    private static readonly (string Id, string Language, string Text, Q2QLabels Gold, Q2QLabels Predicted)[] Set =
    [
        ("e1", "en", "I feel more confident and my CV is done", L(ci: true, "high", topics: ["cv"]), L(ci: true, "high", topics: ["cv"])),
        ("e2", "en", "I speak up more in meetings now", L(ci: true, "medium"), L(ci: false, "medium", topics: ["cv"])),
        ("e3", "en", "I worry a lot and the words do not come", L(ci: false, "low", risks: ["anxiety"]), L(ci: true, "medium", risks: ["anxiety"])),
        ("u1", "uk", "Я став впевненішим", L(ci: true, "low"), L(ci: true, "low")),
        ("u2", "uk", "Я дуже хвилююся", L(ci: false, "low", risks: ["anxiety"]), L(ci: false, "medium")),
    ];

    private static Q2QLabels L(bool ci, string comfort, string[]? risks = null, string[]? topics = null) =>
        new(ci, false, false, false, comfort, [], risks ?? [], topics ?? [], []);

    private static object Body(string name = "hand-checked", Guid? chargeTo = null) => new
    {
        name,
        chargeTo,
        records = Set.Select(r => new
        {
            id = r.Id, language = r.Language, text = r.Text,
            labels = new
            {
                confidenceIncrease = r.Gold.ConfidenceIncrease, confidenceDecrease = false, belongingIncrease = false, belongingDecrease = false,
                languageComfort = r.Gold.LanguageComfort, employabilitySignals = Array.Empty<string>(), riskCues = r.Gold.RiskCues, topics = r.Gold.Topics,
            },
        }).ToArray(),
    };

    private static Task<FeedbackApp> StartAsync() => FeedbackApp.StartAsync(services: s =>
        s.AddSingleton<IOutcomeClassifier>(new LookupClassifier(Set.ToDictionary(r => r.Text, r => r.Predicted))));

    private static Task<TestResponse> EvaluateAsync(FeedbackApp f, string model, object? body) =>
        f.CallAsync(FeedbackApp.Request("POST", $"/v1/models/{model}/evaluations", FeedbackApp.Operator(), body),
            r => f.App.Function<ModelEvaluations>().RunModelEvaluation(r, model, CancellationToken.None));

    private static JsonElement Language(JsonElement report, string language) =>
        report.GetProperty("classification").EnumerateArray().Single(l => l.GetProperty("language").GetString() == language);

    private static string Figures(JsonElement language, string label)
    {
        var l = language.GetProperty("labels").EnumerateArray().Single(x => x.GetProperty("label").GetString() == label);
        return string.Join(" ", l.GetProperty("true_positives").GetInt32(), l.GetProperty("false_positives").GetInt32(), l.GetProperty("false_negatives").GetInt32(),
            l.GetProperty("true_negatives").GetInt32(), l.GetProperty("precision").GetRawText(), l.GetProperty("recall").GetRawText(), l.GetProperty("f1").GetRawText());
    }

    [Fact]
    public async Task TheReportOnAHandCheckedSetHasTheHandComputedFiguresAndTwoRunsStoreTheSameBytes()
    {
        await using var f = await StartAsync();

        var first = await EvaluateAsync(f, "embedded-q2q-v1", Body());
        var second = await EvaluateAsync(f, "embedded-q2q-v1", Body());

        Assert.Equal(201, first.Status);
        var report = first.Json.GetProperty("report");
        var en = Language(report, "en");
        Assert.Equal("1 1 1 0 0.5000 0.5000 0.5000", Figures(en, "confidence_increase"));
        Assert.Equal("0 0 1 2 0.0000 0.0000 0.0000", Figures(en, "language_comfort.low"));
        Assert.Equal("1 1 0 1 0.5000 1.0000 0.6667", Figures(en, "language_comfort.medium"));
        Assert.Equal("1 0 0 2 1.0000 1.0000 1.0000", Figures(en, "language_comfort.high"));
        Assert.Equal("1 0 0 2 1.0000 1.0000 1.0000", Figures(en, "risk_cues.anxiety"));
        Assert.Equal("1 1 0 1 0.5000 1.0000 0.6667", Figures(en, "topics.cv"));
        Assert.Equal(6, en.GetProperty("labels").EnumerateArray().Count(l => l.GetProperty("defined").GetBoolean()));
        Assert.Equal("0.6389", en.GetProperty("macro_f1").GetRawText());
        var uk = Language(report, "uk");
        Assert.Equal("1 0 0 1 1.0000 1.0000 1.0000", Figures(uk, "confidence_increase"));
        Assert.Equal("1 0 1 0 1.0000 0.5000 0.6667", Figures(uk, "language_comfort.low"));
        Assert.Equal("0 1 0 1 0.0000 0.0000 0.0000", Figures(uk, "language_comfort.medium"));
        Assert.Equal("0 0 1 1 0.0000 0.0000 0.0000", Figures(uk, "risk_cues.anxiety"));
        Assert.Equal("0.4167", uk.GetProperty("macro_f1").GetRawText());
        var all = Language(report, "all");
        Assert.Equal("2 1 1 1 0.6667 0.6667 0.6667", Figures(all, "confidence_increase"));
        Assert.Equal("1 0 2 2 1.0000 0.3333 0.5000", Figures(all, "language_comfort.low"));
        Assert.Equal("1 2 0 2 0.3333 1.0000 0.5000", Figures(all, "language_comfort.medium"));
        Assert.Equal("1 0 1 3 1.0000 0.5000 0.6667", Figures(all, "risk_cues.anxiety"));
        Assert.Equal("0.6667", all.GetProperty("macro_f1").GetRawText());
        var fairness = report.GetProperty("fairness");
        Assert.Equal(("en", "0.6389", "uk", "0.4167", "0.2222", "high"), (fairness.GetProperty("best").GetString(), fairness.GetProperty("best_macro_f1").GetRawText(),
            fairness.GetProperty("worst").GetString(), fairness.GetProperty("worst_macro_f1").GetRawText(), fairness.GetProperty("gap").GetRawText(),
            fairness.GetProperty("level").GetString()));
        var comfort = (JsonElement l) => string.Join(",", l.GetProperty("comfort_confusion").EnumerateArray().Select(c => c.GetProperty("texts").GetInt32()));
        Assert.Equal("0,1,0,0,1,0,0,0,1", comfort(en)); // rows gold low/medium/high, columns predicted low/medium/high
        Assert.Equal("1,1,0,0,0,0,0,0,0", comfort(uk));
        Assert.Contains("| en | 0.6389 | uk | 0.4167 | 0.2222 | high |", first.Json.GetProperty("markdown").GetString(), StringComparison.Ordinal);

        var stored = await f.QueryAsync<(string Report, string Markdown, string Sha, double MacroF1, string Level, string SetHash, string CreatedBy)>(
            "SELECT report, report_markdown, report_sha256, macro_f1, fairness_level, set_hash, created_by FROM impact.eval_runs ORDER BY created_at");
        Assert.Equal(2, stored.Count);
        Assert.Equal(stored[0].Report, stored[1].Report); // byte-identical
        Assert.Equal(stored[0].Markdown, stored[1].Markdown);
        Assert.Equal(stored[0].Sha, stored[1].Sha);
        Assert.Equal((0.6667, "high", "ops-1"), (stored[0].MacroF1, stored[0].Level, stored[0].CreatedBy));
        Assert.DoesNotContain(DateTime.UtcNow.Year.ToString(System.Globalization.CultureInfo.InvariantCulture), stored[0].Report, StringComparison.Ordinal);
        Assert.Equal(second.Json.GetProperty("run").GetProperty("setHash").GetString(), stored[0].SetHash);
        Assert.Equal(2, await f.ScalarAsync<long>("SELECT count(*) FROM impact.audit_log WHERE action = 'q2q.model.evaluate'"));

        // The list and one run read back; the stored report is returned as it was written.
        var runId = first.Json.GetProperty("run").GetProperty("id").GetString()!;
        var list = await f.CallAsync(FeedbackApp.Request("GET", "/v1/models/embedded-q2q-v1/evaluations", FeedbackApp.Operator()),
            r => f.App.Function<ModelEvaluations>().ListModelEvaluations(r, "embedded-q2q-v1", CancellationToken.None));
        Assert.Equal(2, list.Json.GetProperty("items").GetArrayLength());
        var one = await f.CallAsync(FeedbackApp.Request("GET", $"/v1/models/embedded-q2q-v1/evaluations/{runId}", FeedbackApp.Operator()),
            r => f.App.Function<ModelEvaluations>().GetModelEvaluation(r, "embedded-q2q-v1", runId, CancellationToken.None));
        Assert.Equal(200, one.Status);
        Assert.Equal("0.6667", Language(one.Json.GetProperty("report"), "all").GetProperty("macro_f1").GetRawText());
        var otherModel = await f.CallAsync(FeedbackApp.Request("GET", $"/v1/models/openai-gpt-4o-mini-q2q-v1/evaluations/{runId}", FeedbackApp.Operator()),
            r => f.App.Function<ModelEvaluations>().GetModelEvaluation(r, "openai-gpt-4o-mini-q2q-v1", runId, CancellationToken.None));
        Assert.Equal(404, otherModel.Status);
    }

    [Fact]
    public async Task BadSetsAndUnknownModelsAreProblemsAndStoreNothing()
    {
        await using var f = await StartAsync();

        var unknown = await EvaluateAsync(f, "no-such-model", Body());
        var badLabel = await EvaluateAsync(f, "embedded-q2q-v1", new
        {
            name = "bad",
            records = new[] { new { id = "x", language = "de", text = "Hallo", labels = new { languageComfort = "huge", topics = new[] { "knitting" } } } },
        });
        var badSet = await EvaluateAsync(f, "embedded-q2q-v1", new { set = "everything" });
        var admin = await f.CallAsync(FeedbackApp.Request("POST", "/v1/models/embedded-q2q-v1/evaluations", FeedbackApp.Admin(await f.CompanyAsync()), Body()),
            r => f.App.Function<ModelEvaluations>().RunModelEvaluation(r, "embedded-q2q-v1", CancellationToken.None));

        Assert.Equal(404, unknown.Status);
        Assert.Equal(400, badLabel.Status);
        var errors = badLabel.Json.GetProperty("errors");
        Assert.True(errors.TryGetProperty("records[0].language", out _));
        Assert.True(errors.TryGetProperty("records[0].labels.languageComfort", out _));
        Assert.True(errors.TryGetProperty("records[0].labels.topics", out _));
        Assert.Equal(400, badSet.Status);
        Assert.Equal(403, admin.Status);
        Assert.Equal(0, await f.ScalarAsync<long>("SELECT count(*) FROM impact.eval_runs"));
    }

    [Fact]
    public async Task AModelThatScoredBelowTheModelInUseIsActivatedOnlyWithAnAuditedOverride()
    {
        await using var f = await StartAsync();
        // The candidate (an OpenAI model, through the IChatClient boundary) answers "comfort low, nothing else" for every text.
        f.Chat.Answer("""
            {"confidence_increase": false, "confidence_decrease": false, "belonging_increase": false, "belonging_decrease": false,
             "language_comfort": "low", "employability_signals": [], "risk_cues": [], "topics": [], "evidence": []}
            """);
        var inUse = await EvaluateAsync(f, "embedded-q2q-v1", Body());
        // A paid model's calls are charged to a company's AI budget: none named is a 400, and nothing is called or stored.
        var unpaid = await EvaluateAsync(f, "openai-gpt-4o-mini-q2q-v1", Body());
        Assert.Equal(400, unpaid.Status);
        Assert.Contains("chargeTo", unpaid.Json.GetProperty("detail").GetString());
        Assert.Empty(f.Chat.Calls);
        var payer = await f.CompanyAsync();
        await f.ScalarAsync<int>("INSERT INTO impact.q2q_budgets (company_id, monthly_usd, updated_by) VALUES (@payer, 1, 'test') RETURNING 1", new { payer });
        var candidate = await EvaluateAsync(f, "openai-gpt-4o-mini-q2q-v1", Body(chargeTo: payer));
        Assert.Equal(201, candidate.Status);
        Assert.Equal(5L, await f.ScalarAsync<long>("SELECT coalesce(sum(requests), 0)::bigint FROM impact.q2q_spend WHERE company_id = @payer", new { payer }));
        // Candidate by hand, all 5 texts: comfort.low TP 3 (e3, u1, u2) FP 2 (e1, e2) → F1 6/8 = 0.75; comfort.medium and .high
        // missed (F1 0); confidence_increase missed 3 times, anxiety twice, cv once (F1 0): macro-F1 = 0.75 / 6 = 0.125.
        Assert.Equal("0.1250", Language(candidate.Json.GetProperty("report"), "all").GetProperty("macro_f1").GetRawText());
        Assert.Equal(5, f.Chat.Calls.Count); // the candidate model was called, not the model in use
        Assert.All(f.Chat.Clients, c => Assert.Equal(("openai", "gpt-4o-mini"), c));

        var activate = (object? body) => f.CallAsync(FeedbackApp.Request("POST", "/v1/models/openai-gpt-4o-mini-q2q-v1/activate", FeedbackApp.Operator(), body),
            r => f.App.Function<ModelRegistryApi>().ActivateModel(r, "openai-gpt-4o-mini-q2q-v1", CancellationToken.None));
        var refused = await activate(null);
        var noReason = await activate(new { @override = true });
        var accepted = await activate(new { @override = true, reason = "cheaper; quality gap accepted until the v2 prompt ships" });

        Assert.Equal(409, refused.Status);
        Assert.StartsWith("application/problem+json", refused.ContentType, StringComparison.Ordinal);
        var detail = refused.Json.GetProperty("detail").GetString()!;
        Assert.Contains("macro-F1 0.1250", detail, StringComparison.Ordinal);
        Assert.Contains("below 0.6667 of embedded-q2q-v1", detail, StringComparison.Ordinal);
        Assert.Equal(400, noReason.Status);
        Assert.Equal(200, accepted.Status);
        Assert.True(accepted.Json.GetProperty("active").GetBoolean());
        var audit = (await f.QueryAsync<(string By, string Details)>(
            "SELECT performed_by, details::text FROM impact.audit_log WHERE action = 'q2q.model.activate'")).Single();
        using var details = JsonDocument.Parse(audit.Details);
        Assert.Equal("ops-1", audit.By);
        Assert.Equal("cheaper; quality gap accepted until the v2 prompt ships", details.RootElement.GetProperty("override").GetProperty("reason").GetString());
        Assert.Equal(0.125, details.RootElement.GetProperty("evaluation").GetProperty("candidateMacroF1").GetDouble());
        Assert.Equal(0.6667, details.RootElement.GetProperty("evaluation").GetProperty("inUseMacroF1").GetDouble());
        Assert.Equal(inUse.Json.GetProperty("run").GetProperty("id").GetGuid(), details.RootElement.GetProperty("evaluation").GetProperty("inUseRun").GetGuid());
    }
}
