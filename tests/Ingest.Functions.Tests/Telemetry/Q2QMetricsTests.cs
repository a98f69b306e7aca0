using System.Globalization;
using Impact.Ingest.Tests.Feedback;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using OpenTelemetry.Metrics;
using static Impact.Ingest.Tests.Feedback.Q2QBudgetApp;

namespace Impact.Ingest.Tests.Telemetry;

/// <summary>
/// SPEC §I: the q2q_* counters, read through OpenTelemetry's in-memory exporter on the app's own registration, equal the
/// spend ledger and the reservations in PostgreSQL after a run of paid calls (API and pipeline, a retried malformed answer,
/// a provider error, a refused call). The provider is a scripted IChatClient reporting token usage.
/// </summary>
[Collection(TelemetryCollection.Name)]
public sealed class Q2QMetricsTests
{
    [Fact]
    public async Task TheExportedQ2QTotalsEqualTheSpendAndRequestCountsInTheDatabase()
    {
        var metrics = new List<MetricSnapshot>();
        var clock = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-15T10:00:17Z", CultureInfo.InvariantCulture));
        await using var f = await FeedbackApp.StartAsync(Settings(requestsPerMinute: 8, maxAttempts: 2), s =>
        {
            s.AddSingleton<TimeProvider>(clock);
            s.ConfigureOpenTelemetryMeterProvider(m => m.AddInMemoryExporter(metrics));
        });
        var provider = f.App.Service<MeterProvider>(); // built now, so it sees every measurement
        await UsePaidModelAsync(f, inputUsdPerMillion: 2.5m, outputUsdPerMillion: 10m);
        var acme = await f.CompanyAsync();
        await SetBudgetAsync(f, acme, new { monthlyBudgetUsd = 1 });
        f.Chat.Answer(Valid, 120, 40)                                   // 1 call
            .Answer("not json", 80, 30).Answer(Valid, 200, 60)          // 2 calls: malformed, then valid
            .Throw(new HttpRequestException("502 from the provider")).Answer(Valid, 90, 20) // 2 calls: an error (released), then valid
            .Answer(Valid, 150, 50);                                     // the pipeline's texts

        var answers = new List<int>();
        for (var i = 0; i < 3; i++)
        {
            answers.Add((await ClassifyAsync(f, acme)).Status);
        }

        for (var i = 0; i < 3; i++)
        {
            await f.SubmitAsync(acme, new { contentId = $"t-{i}", contentType = "feedback_text", text = Text });
        }

        Assert.Equal(0, await f.DrainTextsAsync());
        answers.Add((await ClassifyAsync(f, acme)).Status); // the 9th call of the minute: refused, never counted
        provider.ForceFlush();

        Assert.Equal([200, 200, 200, 429], answers);
        var company = acme.ToString();
        var db = (await f.QueryAsync<(long Requests, long Input, long Output, decimal Spent)>(
            "SELECT requests, input_tokens, output_tokens, spent_usd FROM impact.q2q_spend WHERE company_id = @acme", new { acme })).Single();
        var called = await f.ScalarAsync<long>("SELECT count(*) FROM impact.q2q_reservations WHERE called AND company_id = @acme", new { acme });
        Assert.Equal(8, f.Chat.Calls.Count);
        Assert.Equal((8L, 8L), (db.Requests, called));
        Assert.Equal(db.Requests, Sum(metrics, "q2q_requests_total", company));
        Assert.Equal(db.Input, Sum(metrics, "q2q_tokens_total", company, ("type", "input")));
        Assert.Equal(db.Output, Sum(metrics, "q2q_tokens_total", company, ("type", "output")));
        Assert.Equal((double)db.Spent, SumDouble(metrics, "q2q_cost_dollars_total", company), 9);
        // Hand-computed: tokens of every answered call at 2.5 / 10 USD per 1M (the errored call is free).
        Assert.Equal((120 + 80 + 200 + 90 + (3 * 150), 40 + 30 + 60 + 20 + (3 * 50)), (db.Input, db.Output));
        Assert.Equal(((940 * 2.5m) + (300 * 10m)) / 1_000_000m, db.Spent);
        Assert.Equal(("openai", ModelId), Tags(metrics, "q2q_requests_total", company));
    }

    private static IEnumerable<(Dictionary<string, object?> Tags, MetricPoint Point)> Points(List<MetricSnapshot> metrics, string name, string company)
    {
        var snapshot = metrics.LastOrDefault(m => m.Name == name);
        if (snapshot is null)
        {
            yield break;
        }

        foreach (var point in snapshot.MetricPoints)
        {
            var tags = new Dictionary<string, object?>();
            foreach (var t in point.Tags)
            {
                tags[t.Key] = t.Value;
            }

            // The meter is process-wide: only this test's company counts.
            if (Equals(tags.GetValueOrDefault("company"), company))
            {
                yield return (tags, point);
            }
        }
    }

    private static long Sum(List<MetricSnapshot> metrics, string name, string company, (string Key, string Value)? tag = null) =>
        Points(metrics, name, company).Where(p => tag is null || Equals(p.Tags.GetValueOrDefault(tag.Value.Key), tag.Value.Value))
            .Sum(p => p.Point.GetSumLong());

    private static double SumDouble(List<MetricSnapshot> metrics, string name, string company) =>
        Points(metrics, name, company).Sum(p => p.Point.GetSumDouble());

    private static (string?, string?) Tags(List<MetricSnapshot> metrics, string name, string company)
    {
        var tags = Points(metrics, name, company).Single().Tags;
        return (tags["provider"] as string, tags["model"] as string);
    }
}
