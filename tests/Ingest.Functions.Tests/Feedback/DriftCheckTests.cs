using System.Text.Json;
using Impact.Ingest.Feedback;
using Impact.Shared.Feedback.Drift;
using Impact.TestSupport;

namespace Impact.Ingest.Tests.Feedback;

/// <summary>
/// Q2Q drift (SPEC §I): PSI and Jensen–Shannon against values computed independently, and the check over real
/// outcome_scores rows: identical windows, a shift over the alert threshold (one event, not one per run), too few texts,
/// and who may read the checks.
/// </summary>
public sealed class DriftCheckTests
{
    private static readonly DateTimeOffset AsOf = new(2026, 11, 30, 0, 0, 0, TimeSpan.Zero);
    // With the default windows (7 days recent, 28 days baseline before it): recent [11-23, 11-30), baseline [10-26, 11-23).
    private static readonly DateTime InBaseline = new(2026, 11, 10, 12, 0, 0, DateTimeKind.Utc);
    private static readonly DateTime InRecent = new(2026, 11, 27, 12, 0, 0, DateTimeKind.Utc);

    // A second, straightforward implementation of the formulas in DriftMath's comment, to compare with.
    private static double ReferencePsi(long[] b, long[] r, double eps = 1e-4)
    {
        double sb = b.Sum(), sr = r.Sum();
        return b.Zip(r, (bi, ri) => (B: (bi / sb + eps) / (1 + b.Length * eps), R: (ri / sr + eps) / (1 + b.Length * eps)))
            .Sum(x => (x.R - x.B) * Math.Log(x.R / x.B));
    }

    private static double ReferenceJs(long[] b, long[] r)
    {
        double sb = b.Sum(), sr = r.Sum();
        double Kl(double[] p, double[] m) => p.Zip(m, (pi, mi) => pi == 0 ? 0 : pi * Math.Log(pi / mi, 2)).Sum();
        var pb = b.Select(x => x / sb).ToArray();
        var pr = r.Select(x => x / sr).ToArray();
        var mid = pb.Zip(pr, (x, y) => (x + y) / 2).ToArray();
        return 0.5 * Kl(pr, mid) + 0.5 * Kl(pb, mid);
    }

    [Theory]
    // Literal values: Python decimal at 40 digits over the same formulas (PSI nats with ε = 1e-4, JS divergence in bits).
    [InlineData(new long[] { 1, 1 }, new long[] { 3, 1 }, 0.2745315169696103891, 0.0487949406953985326)]
    [InlineData(new long[] { 10, 0, 30 }, new long[] { 5, 15, 20 }, 3.2731277586421367494, 0.2209754095806153166)] // an empty baseline bin
    [InlineData(new long[] { 0, 40, 60 }, new long[] { 50, 30, 20 }, 4.7253504834684098904, 0.3306589026043588440)]
    public void PsiAndJensenShannonMatchIndependentlyComputedValues(long[] baseline, long[] recent, double psi, double js)
    {
        Assert.Equal(psi, DriftMath.Psi(baseline, recent), 1e-9);
        Assert.Equal(js, DriftMath.JensenShannon(baseline, recent), 1e-9);
        Assert.Equal(ReferencePsi(baseline, recent), DriftMath.Psi(baseline, recent), 1e-9);
        Assert.Equal(ReferenceJs(baseline, recent), DriftMath.JensenShannon(baseline, recent), 1e-9);
        // Unsmoothed PSI of the first case by hand: 0.25·ln 1.5 + 0.25·ln 2 = 0.2746531; the smoothing moves it by ~1e-4 only.
        Assert.InRange(DriftMath.Psi([1, 1], [3, 1]), 0.25 * Math.Log(1.5) + 0.25 * Math.Log(2) - 2e-4, 0.25 * Math.Log(1.5) + 0.25 * Math.Log(2));
        Assert.Equal(0, DriftMath.Psi([3, 0, 7], [6, 0, 14]));
        Assert.Equal(0, DriftMath.JensenShannon([3, 0, 7], [6, 0, 14]));
    }

    /// <summary>Inserts <paramref name="n"/> scored texts of one company and language, all with the given language comfort score.</summary>
    private static Task SeedAsync(FeedbackApp f, Guid company, string language, DateTime scoredAt, int n, double langLevel) =>
        f.ScalarAsync<int>(
            """
            WITH t AS (
                INSERT INTO impact.texts (source, content_id, content_type, company_id, text, status, language)
                SELECT 'api', gen_random_uuid()::text, 'feedback_text', @company, 'a text', 'classified', @language FROM generate_series(1, @n)
                RETURNING id
            ), s AS (
                INSERT INTO impact.outcome_scores (text_id, company_id, dimension, score, model_id, provider, prompt_version, language, method, scored_at)
                SELECT t.id, @company, d.dimension, CASE d.dimension WHEN 'lang_level_proxy' THEN @langLevel WHEN 'job_readiness' THEN 0.45 WHEN 'well_being' THEN 0.9 ELSE 0.5 END,
                       'embedded-q2q-v1', 'embedded', 'embedded-q2q-v1', @language, 'embedded', @scoredAt
                FROM t CROSS JOIN (VALUES ('confidence'), ('belonging'), ('lang_level_proxy'), ('job_readiness'), ('well_being')) d(dimension)
                RETURNING 1
            )
            SELECT count(*)::int FROM s
            """, new { company, language, scoredAt, n, langLevel });

    private static Task<TestResponse> RunAsync(FeedbackApp f, Guid? company = null) =>
        f.CallAsync(FeedbackApp.Request("POST", "/v1/q2q/drift-checks/run", FeedbackApp.Operator(), new { asOf = AsOf, companyId = company }),
            r => f.App.Function<DriftChecks>().RunQ2QDriftChecks(r, CancellationToken.None));

    private static Task<TestResponse> ListAsync(FeedbackApp f, string token, string? query = null) =>
        f.CallAsync(FeedbackApp.Request("GET", "/v1/q2q/drift-checks", token, query: query),
            r => f.App.Function<DriftChecks>().ListQ2QDriftChecks(r, CancellationToken.None));

    [Fact]
    public async Task IdenticalWindowsGiveZeroAndNoAlert()
    {
        await using var f = await FeedbackApp.StartAsync();
        var acme = await f.CompanyAsync();
        await SeedAsync(f, acme, "en", InBaseline, 60, 0.9);
        await SeedAsync(f, acme, "en", InBaseline, 40, 0.6);
        await SeedAsync(f, acme, "en", InRecent, 60, 0.9);
        await SeedAsync(f, acme, "en", InRecent, 40, 0.6);

        var run = await RunAsync(f);

        Assert.Equal(200, run.Status);
        var check = run.Json.GetProperty("items").EnumerateArray().Single();
        Assert.Equal(("ok", 0.0, 0.0, 100, 100), (check.GetProperty("status").GetString(), check.GetProperty("psi").GetDouble(),
            check.GetProperty("jsDivergence").GetDouble(), check.GetProperty("recentTexts").GetInt32(), check.GetProperty("baselineTexts").GetInt32()));
        var lang = check.GetProperty("dimensions").EnumerateArray().Single(d => d.GetProperty("dimension").GetString() == "lang_level_proxy");
        Assert.Equal("[0,40,60]", lang.GetProperty("recent").GetRawText());
        Assert.Equal(0, await f.ScalarAsync<long>("SELECT count(*) FROM impact.events WHERE type = 'q2q.drift.alert'"));
    }

    [Fact]
    public async Task AShiftOverTheThresholdAlertsOncePerEpisodeNotOncePerRun()
    {
        await using var f = await FeedbackApp.StartAsync();
        var acme = await f.CompanyAsync();
        await SeedAsync(f, acme, "uk", InBaseline, 60, 0.9);
        await SeedAsync(f, acme, "uk", InBaseline, 40, 0.6);
        await SeedAsync(f, acme, "uk", InRecent, 20, 0.9);
        await SeedAsync(f, acme, "uk", InRecent, 30, 0.6);
        await SeedAsync(f, acme, "uk", InRecent, 50, 0.3); // a bin empty in the baseline

        var first = await RunAsync(f);
        var second = await RunAsync(f);

        var c1 = first.Json.GetProperty("items").EnumerateArray().Single();
        var c2 = second.Json.GetProperty("items").EnumerateArray().Single();
        Assert.Equal(("alert", true, "lang_level_proxy"), (c1.GetProperty("status").GetString(), c1.GetProperty("alerted").GetBoolean(), c1.GetProperty("dimension").GetString()));
        Assert.Equal(("alert", false), (c2.GetProperty("status").GetString(), c2.GetProperty("alerted").GetBoolean()));
        Assert.Equal(ReferencePsi([0, 40, 60], [50, 30, 20]), c1.GetProperty("psi").GetDouble(), 1e-9);
        Assert.Equal(ReferenceJs([0, 40, 60], [50, 30, 20]), c1.GetProperty("jsDivergence").GetDouble(), 1e-9);
        var events = await f.QueryAsync<(Guid? Company, string Data)>("SELECT company_id, data::text FROM impact.events WHERE type = 'q2q.drift.alert'");
        var alert = Assert.Single(events);
        Assert.Equal(acme, alert.Company);
        using var data = JsonDocument.Parse(alert.Data);
        Assert.Equal(c1.GetProperty("id").GetGuid(), data.RootElement.GetProperty("checkId").GetGuid());
        Assert.Equal("uk", data.RootElement.GetProperty("language").GetString());
        Assert.Equal(2, await f.ScalarAsync<long>("SELECT count(*) FROM impact.drift_checks"));
    }

    [Fact]
    public async Task TooFewTextsIsInsufficientDataWithoutFiguresOrAlert()
    {
        await using var f = await FeedbackApp.StartAsync();
        var acme = await f.CompanyAsync();
        await SeedAsync(f, acme, "no", InBaseline, 100, 0.9);
        await SeedAsync(f, acme, "no", InRecent, 49, 0.3); // below the 50 of Drift:MinSamples, and shifted completely

        var check = (await RunAsync(f)).Json.GetProperty("items").EnumerateArray().Single();

        Assert.Equal("insufficient_data", check.GetProperty("status").GetString());
        Assert.False(check.TryGetProperty("psi", out var psi) && psi.ValueKind != JsonValueKind.Null); // null figures are left out of the JSON
        Assert.Equal(49, check.GetProperty("recentTexts").GetInt32());
        Assert.Equal(0, await f.ScalarAsync<long>("SELECT count(*) FROM impact.events WHERE type = 'q2q.drift.alert'"));
    }

    [Fact]
    public async Task ACompanyAdministratorReadsOnlyItsOwnChecksAndAnOperatorAny()
    {
        await using var f = await FeedbackApp.StartAsync();
        var acme = await f.CompanyAsync();
        var globex = await f.CompanyAsync("Globex", "globex.example");
        foreach (var company in new[] { acme, globex })
        {
            await SeedAsync(f, company, "en", InBaseline, 60, 0.9);
            await SeedAsync(f, company, "en", InRecent, 60, 0.9);
        }

        Assert.Equal(2, (await RunAsync(f)).Json.GetProperty("items").GetArrayLength());

        var own = await ListAsync(f, FeedbackApp.Admin(acme));
        var operatorAll = await ListAsync(f, FeedbackApp.Operator());
        var operatorOne = await ListAsync(f, FeedbackApp.Operator(), $"companyId={globex}&status=ok");
        var adminTriesOther = await ListAsync(f, FeedbackApp.Admin(acme), $"companyId={globex}");
        var bad = await ListAsync(f, FeedbackApp.Operator(), "status=bad&limit=0");
        var runByAdmin = await f.CallAsync(FeedbackApp.Request("POST", "/v1/q2q/drift-checks/run", FeedbackApp.Admin(acme), new { }),
            r => f.App.Function<DriftChecks>().RunQ2QDriftChecks(r, CancellationToken.None));

        Assert.Equal([acme], own.Json.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("companyId").GetGuid()));
        Assert.Equal(2, operatorAll.Json.GetProperty("items").GetArrayLength());
        Assert.Equal([globex], operatorOne.Json.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("companyId").GetGuid()));
        Assert.Equal([acme], adminTriesOther.Json.GetProperty("items").EnumerateArray().Select(c => c.GetProperty("companyId").GetGuid()));
        Assert.Equal(400, bad.Status);
        Assert.True(bad.Json.GetProperty("errors").TryGetProperty("status", out _));
        Assert.Equal(403, runByAdmin.Status);
    }
}
