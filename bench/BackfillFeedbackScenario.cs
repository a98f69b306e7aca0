using System.Diagnostics;
using System.Globalization;
using Dapper;
using Impact.Shared;
using Impact.Shared.Feedback;
using Impact.Shared.Feedback.Pipeline;
using Impact.TestSupport;
using Impact.TestSupport.Feedback;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Impact.Bench;

/// <summary>
/// A backfill of N Kintell session rows with feedback (default 1,000,000) through the real orchestration, with the text
/// pipeline on (feedback texts inserted set-based in each chunk's transaction, no queue message per row) and, in the same
/// run, with it switched off (<c>TextPipeline:Enabled=false</c>) as the baseline. Then, separately, the drain: the outbox
/// sweeper queues a sample of the stored texts in batches and the processor works them off the Azurite queue.
/// </summary>
public sealed class BackfillFeedbackScenario : IScenario
{
    private const int DrainSample = 2_000;

    public string Name => "backfill-feedback";

    public async Task<string> RunAsync(string[] args)
    {
        var rows = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
        const int chunkRows = 50_000;
        const int chunksPerActivity = 8;
        var loadBefore = File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
        long texts = 0;
        (double Seconds, int Texts) drain = default;

        var off = await BackfillScenario.RunBackfillAsync(rows, chunkRows, chunksPerActivity,
            new Dictionary<string, string?> { ["TextPipeline:Enabled"] = "false" },
            async db => Assert0(await Count(db)));
        Console.WriteLine($"pipeline off: {off.Seconds:F1} s, {off.RowsPerSecond:F0} rows/s");
        var on = await BackfillScenario.RunBackfillAsync(rows, chunkRows, chunksPerActivity,
            new Dictionary<string, string?> { ["TextPipeline:Enabled"] = "true" },
            async db =>
            {
                texts = await Count(db);
                drain = await DrainAsync(db);
            });
        Console.WriteLine($"pipeline on: {on.Seconds:F1} s, {on.RowsPerSecond:F0} rows/s, {texts} texts; drained {drain.Texts} in {drain.Seconds:F1} s");
        var loadAfter = File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

        return $"""
            Kintell sessions CSV, {rows:N0} rows (1% bad rows; three rows in four carry feedback text, kept for rated rows), chunks of {chunkRows:N0} rows,
            {chunksPerActivity} chunks per activity, the real backfill orchestration (in-process durable host, PostgreSQL, Azurite).

            - **pipeline on**: each chunk's transaction also inserts the chunk's feedback texts into `impact.texts`
              (`INSERT … SELECT` from the chunk's staging table, `ON CONFLICT` on (source, content_id)) with status
              `received`; no queue message is sent during the import.
            - **pipeline off** (`TextPipeline:Enabled=false`, the baseline): the same import without texts.

            | run | rows | seconds | rows/s | texts stored | peak managed heap |
            |---|---:|---:|---:|---:|---:|
            | backfill, pipeline off | {off.Rows:N0} | {Stats.F(off.Seconds, 1)} | {off.RowsPerSecond:N0} | 0 | {off.PeakHeapMb:N0} MB |
            | backfill, pipeline on | {on.Rows:N0} | {Stats.F(on.Seconds, 1)} | {on.RowsPerSecond:N0} | {texts:N0} | {on.PeakHeapMb:N0} MB |

            Import time with the pipeline / without: **{Stats.F(on.Seconds / off.Seconds, 2)}**.

            **Drain (separate from the import)**: the outbox sweeper queued {drain.Texts:N0} of the stored texts in messages of 50 ids,
            and the text processor worked them off the Azurite queue one process, sequentially: {Stats.F(drain.Texts / drain.Seconds, 0)} texts/s
            ({Stats.F(drain.Seconds, 1)} s). This measures the pipeline's own work per text (row lock, flags, five score rows, evidence,
            event, three transactions) with test-double screener, language detector and embedded classifier
            (tests/TestSupport/Feedback: the real ones are other branches' work), so it is an upper bound for the real
            models' drain rate. At that rate one instance drains {texts:N0} texts in about {Stats.F(texts / (drain.Texts / drain.Seconds) / 60, 0)} minutes;
            the queue trigger scales out across instances (each text is locked and processed once).

            Load average (1/5/15 min) was {loadBefore} before and {loadAfter} after the run on {Environment.ProcessorCount} cores
            (a machine shared with other builds: compare the two rows of this run, not with other files).

            """;
    }

    private static void Assert0(long count)
    {
        if (count != 0)
        {
            throw new InvalidOperationException($"the pipeline was off but {count} texts were stored");
        }
    }

    private static async Task<long> Count(TestDatabase db)
    {
        await using var conn = await db.DataSource.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM impact.texts");
    }

    private static async Task<(double Seconds, int Texts)> DrainAsync(TestDatabase db)
    {
        var queueName = TestStorage.UniqueName("benchtx");
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Test" });
        builder.Configuration.AddConfiguration(TestStorage.Configuration(db.ConnectionString, new Dictionary<string, string?>
        {
            ["TextQueueName"] = queueName,
            ["TextPipeline:SweepAfterSeconds"] = "0",
            ["TextPipeline:SweepBatchSize"] = DrainSample.ToString(CultureInfo.InvariantCulture),
        }));
        builder.AddShared();
        builder.Services.AddSingleton<ITextScreener>(new MarkerScreener());
        builder.Services.AddSingleton<ILanguageDetector>(new FixedLanguageDetector());
        builder.Services.AddSingleton<IOutcomeClassifier>(new RecordingClassifier());
        using var host = builder.Build();
        await host.StartAsync();
        var queue = TestStorage.Queues().GetQueueClient(queueName);
        await queue.CreateIfNotExistsAsync();
        try
        {
            var outbox = host.Services.GetRequiredService<TextOutbox>();
            var processor = host.Services.GetRequiredService<TextProcessor>();
            var clock = Stopwatch.StartNew();
            var queued = await outbox.SweepAsync();
            var done = 0;
            while (done < queued)
            {
                var messages = (await queue.ReceiveMessagesAsync(32, TimeSpan.FromMinutes(5))).Value;
                foreach (var m in messages)
                {
                    foreach (var id in TextQueue.Parse(m.Body.ToString()).TextIds)
                    {
                        await processor.ProcessAsync(id);
                        done++;
                    }

                    await queue.DeleteMessageAsync(m.MessageId, m.PopReceipt);
                }
            }

            clock.Stop();
            return (clock.Elapsed.TotalSeconds, done);
        }
        finally
        {
            await queue.DeleteIfExistsAsync();
            await host.StopAsync();
        }
    }
}
