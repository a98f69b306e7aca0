using System.Diagnostics;
using Dapper;
using Impact.Ingest.Tests.Backfill;
using Impact.Ingest.Tests.Webhooks;
using Impact.Ingest.Webhooks;
using Impact.Shared.Telemetry;
using Impact.Shared.Webhooks;
using Impact.TestSupport;
using Impact.TestSupport.Backfill;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Impact.Ingest.Tests.Telemetry;

/// <summary>
/// SPEC §L: the app's own OpenTelemetry registration (<c>AddFunctionsAppServices</c>) with OpenTelemetry's in-memory
/// exporters added, over real PostgreSQL and Azurite: a webhook's trace runs from the request through the queue
/// message to processing, and the business counters add up to the rows written.
/// </summary>
[Collection(TelemetryCollection.Name)]
public sealed class TelemetryTests
{
    // Stands in for the Functions host's own invocation spans (HTTP request, queue trigger), which it starts before the worker runs a function.
    // Sampled, as the host's traceparent says (flags 01).
    private static Activity HostSpan(string name) =>
        new Activity(name) { ActivityTraceFlags = ActivityTraceFlags.Recorded }.SetIdFormat(ActivityIdFormat.W3C).Start();

    [Fact]
    public async Task AWebhooksTraceIdIsOnItsProcessingSpanAndOnTheDeliveryRow()
    {
        var spans = new List<Activity>();
        await using var app = await TestApp.StartAsync(services: s => s.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(spans)));
        var triggers = app.Function<WebhookQueueTriggers>();

        ActivityTraceId requestTrace;
        using (var request = HostSpan("POST /v1/webhooks/kintell/session-completed"))
        {
            requestTrace = request.TraceId;
            var response = await HttpInvoker.InvokeAsync(Kintell.Signed("session-completed", "d-trace", Kintell.Json(Kintell.Session("s-trace"))),
                r => app.Function<KintellWebhook>().ReceiveKintellWebhook(r, "session-completed", CancellationToken.None));
            Assert.Equal(202, response.Status);
        }

        var message = (await app.Queue.PeekMessageAsync()).Value.Body.ToString();
        ActivityTraceId triggerTrace;
        using (var trigger = HostSpan("ProcessWebhook"))
        {
            triggerTrace = trigger.TraceId;
            Assert.Equal(0, await new QueueHost(app.Queue, app.PoisonQueue).DrainAsync(m => triggers.ProcessWebhook(m, CancellationToken.None)));
        }

        app.Services.GetRequiredService<TracerProvider>().ForceFlush();
        var receive = Assert.Single(spans, a => a.DisplayName == "kintell webhook receive");
        var process = Assert.Single(spans, a => a.DisplayName == "kintell webhook process");
        Assert.Equal(requestTrace, receive.TraceId);
        Assert.Equal(requestTrace, process.TraceId);
        Assert.Equal(receive.SpanId, process.ParentSpanId);
        Assert.Equal($"00-{requestTrace}-{receive.SpanId}-01", WebhookQueue.Parse(message).TraceParent);
        // The queue trigger's own span is linked, so both traces lead to each other.
        Assert.Equal(triggerTrace, Assert.Single(process.Links).Context.TraceId);
        Assert.Equal("d-trace", process.GetTagItem("impact.webhook.delivery_id"));
        // The processing's database calls are part of the same trace.
        Assert.Contains(spans, a => a.TraceId == requestTrace && a.ParentSpanId == process.SpanId && a.Source.Name == "Npgsql");

        await using var conn = await app.Database.DataSource.OpenConnectionAsync();
        var row = await conn.QuerySingleAsync<(string Status, string TraceId)>(
            "SELECT status, trace_id FROM impact.webhook_deliveries WHERE delivery_id = 'd-trace'");
        Assert.Equal((WebhookDeliveryStatus.Processed, requestTrace.ToHexString()), row);
    }

    [Fact]
    public async Task AQueueMessageWrittenBeforeItCarriedATraceIsStillProcessed()
    {
        var spans = new List<Activity>();
        await using var app = await TestApp.StartAsync(services: s => s.ConfigureOpenTelemetryTracerProvider(t => t.AddInMemoryExporter(spans)));
        var response = await HttpInvoker.InvokeAsync(Kintell.Signed("session-completed", "d-old", Kintell.Json(Kintell.Session("s-old"))),
            r => app.Function<KintellWebhook>().ReceiveKintellWebhook(r, "session-completed", CancellationToken.None));
        Assert.Equal(202, response.Status);
        await app.Queue.ClearMessagesAsync();
        await app.Queue.SendMessageAsync("""{"source":"kintell","deliveryId":"d-old"}""");
        var triggers = app.Function<WebhookQueueTriggers>();

        ActivityTraceId triggerTrace;
        using (var trigger = HostSpan("ProcessWebhook"))
        {
            triggerTrace = trigger.TraceId;
            Assert.Equal(0, await new QueueHost(app.Queue, app.PoisonQueue).DrainAsync(m => triggers.ProcessWebhook(m, CancellationToken.None)));
        }

        app.Services.GetRequiredService<TracerProvider>().ForceFlush();
        var process = Assert.Single(spans, a => a.DisplayName == "kintell webhook process");
        Assert.Equal(triggerTrace, process.TraceId); // continues the trigger's trace instead
        Assert.Empty(process.Links);
        await using var conn = await app.Database.DataSource.OpenConnectionAsync();
        Assert.Equal(WebhookDeliveryStatus.Processed, await conn.ExecuteScalarAsync<string>(
            "SELECT status FROM impact.webhook_deliveries WHERE delivery_id = 'd-old'"));
    }

    [Fact]
    public async Task TheWebhookCountersEqualTheRowsWritten()
    {
        var metrics = new List<MetricSnapshot>();
        await using var app = await TestApp.StartAsync(services: s => s.ConfigureOpenTelemetryMeterProvider(m => m.AddInMemoryExporter(metrics)));
        await using var conn = await app.Database.DataSource.OpenConnectionAsync();
        // One delivery that fails every time, as in the dead-letter tests.
        await conn.ExecuteAsync("""
            CREATE FUNCTION impact.reject_session() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.external_id LIKE 'broken-%' THEN RAISE EXCEPTION 'sessions table rejects %', NEW.external_id; END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER reject_session BEFORE INSERT ON impact.kintell_sessions FOR EACH ROW EXECUTE FUNCTION impact.reject_session();
            """);
        var answers = new List<int>();
        async Task Post(string kind, string deliveryId, object payload) =>
            answers.Add((await HttpInvoker.InvokeAsync(Kintell.Signed(kind, deliveryId, Kintell.Json(payload)),
                r => app.Function<KintellWebhook>().ReceiveKintellWebhook(r, kind, CancellationToken.None))).Status);

        for (var i = 0; i < 6; i++)
        {
            await Post("session-completed", $"d-{i}", Kintell.Session($"s-{i}"));
        }

        await Post("rating-created", "d-r", Kintell.Rating("r-1", "s-1", 5));
        await Post("session-completed", "d-1", Kintell.Session("s-1")); // duplicates
        await Post("session-completed", "d-2", Kintell.Session("s-2"));
        await Post("rating-created", "d-r", Kintell.Rating("r-1", "s-1", 5));
        await Post("session-completed", "d-broken", Kintell.Session("broken-1"));
        var triggers = app.Function<WebhookQueueTriggers>();
        await new QueueHost(app.Queue, app.PoisonQueue).DrainAsync(m => triggers.ProcessWebhook(m, CancellationToken.None));
        await new QueueHost(app.PoisonQueue, app.PoisonQueue).DrainAsync(m => triggers.DeadLetterWebhook(m, CancellationToken.None));

        app.Services.GetRequiredService<MeterProvider>().ForceFlush();
        var rows = await conn.QuerySingleAsync<(long All, long Processed, long DeadLettered, long Ratings)>("""
            SELECT count(*), count(*) FILTER (WHERE status = 'processed'), count(*) FILTER (WHERE status = 'dead_lettered'),
                   count(*) FILTER (WHERE event_type = 'rating-created')
            FROM impact.webhook_deliveries
            """);
        Assert.Equal((8L, 7L, 1L, 1L), rows);
        Assert.Equal(rows.All, Sum(metrics, "impact_webhooks_received_total"));
        Assert.Equal(rows.Ratings, Sum(metrics, "impact_webhooks_received_total", ("kind", "rating-created")));
        Assert.Equal(answers.Count(s => s == 200), Sum(metrics, "impact_webhooks_duplicate_total"));
        Assert.Equal(3, answers.Count(s => s == 200));
        Assert.Equal(rows.Processed, Sum(metrics, "impact_webhooks_processed_total"));
        Assert.Equal(rows.DeadLettered, Sum(metrics, "impact_webhooks_dead_lettered_total"));
    }

    [Fact]
    public async Task TheBackfillRowCountersEqualTheRowsLoadedAndRejected()
    {
        var metrics = new List<MetricSnapshot>();
        await using var app = await BackfillApp.StartAsync(BackfillApp.Settings(chunkRows: 40),
            s => s.ConfigureOpenTelemetryMeterProvider(m => m.AddInMemoryExporter(metrics)));
        var provider = app.Services.GetRequiredService<MeterProvider>(); // built now, so it sees the whole import
        var csv = new KintellSessionsCsv { Rows = 200, BadEvery = 9 };

        var jobId = await app.StartSessionsImportAsync(csv.ToBytes());
        var job = await app.WaitForJobAsync(jobId, TimeSpan.FromSeconds(90));

        provider.ForceFlush();
        Assert.True(job.FailedRows > 0 && job.SucceededRows > 0);
        Assert.Equal(job.SucceededRows, await app.CountAsync("SELECT count(*) FROM impact.kintell_sessions"));
        Assert.Equal(job.SucceededRows, Sum(metrics, "impact_backfill_rows_imported_total", ("kind", job.Kind)));
        Assert.Equal(job.FailedRows, Sum(metrics, "impact_backfill_rows_rejected_total", ("kind", job.Kind)));
        Assert.Equal(csv.BadRows.Count, job.FailedRows);
    }

    // The newest snapshot of a counter, summed over its points (optionally only those with a tag).
    private static long Sum(List<MetricSnapshot> metrics, string name, (string Key, string Value)? tag = null)
    {
        var snapshot = metrics.LastOrDefault(m => m.Name == name);
        if (snapshot is null)
        {
            return 0;
        }

        long sum = 0;
        foreach (var point in snapshot.MetricPoints)
        {
            var tags = new Dictionary<string, object?>();
            foreach (var t in point.Tags)
            {
                tags[t.Key] = t.Value;
            }

            if (tag is null || Equals(tags.GetValueOrDefault(tag.Value.Key), tag.Value.Value))
            {
                sum += point.GetSumLong();
            }
        }

        return sum;
    }
}
