using System.Diagnostics;
using System.Globalization;
using Dapper;
using Impact.Shared;
using Impact.Shared.Feedback;
using Impact.Shared.Feedback.Pipeline;
using Impact.TestSupport;
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
    // Texts processed one at a time first (the old path) as the drain's baseline.
    private const int PerTextSample = 300;

    public string Name => "backfill-feedback";

    public async Task<string> RunAsync(string[] args)
    {
        var rows = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
        const int chunkRows = 50_000;
        const int chunksPerActivity = 8;
        var loadBefore = File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";
        long texts = 0;
        Drain drain = default;

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
        Console.WriteLine($"pipeline on: {on.Seconds:F1} s, {on.RowsPerSecond:F0} rows/s, {texts} texts; drained {drain.PerText} one by one in {drain.PerTextSeconds:F1} s, {drain.Batched} batched in {drain.BatchedSeconds:F1} s");
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

            **Drain (separate from the import)**: the outbox sweeper queued {drain.PerText + drain.Batched:N0} of the stored texts in messages of
            50 ids, and one process worked them off the Azurite queue with the production screener (`TextScreener`), language
            detector (Lingua, 12 languages) and embedded classifier, one message after another:

            | drain | texts | seconds | texts/s | statements per text |
            |---|---:|---:|---:|---:|
            | one text at a time (`ProcessAsync` per id, as the trigger did before: three transactions per text) | {drain.PerText:N0} | {Stats.F(drain.PerTextSeconds, 1)} | {Stats.F(drain.PerText / drain.PerTextSeconds, 0)} | {Stats.F(drain.PerTextCommands / (double)drain.PerText, 1)} |
            | a message's batch at a time (`ProcessManyAsync`, the trigger now: three transactions and a fixed set of set-based statements per batch of 50) | {drain.Batched:N0} | {Stats.F(drain.BatchedSeconds, 1)} | {Stats.F(drain.Batched / drain.BatchedSeconds, 0)} | {Stats.F(drain.BatchedCommands / (double)drain.Batched, 2)} |

            Of the batched run's time, {Stats.F(drain.ModelSeconds / drain.BatchedSeconds * 100, 0)} % went to screening, detection and classification
            (timed around the same calls on the same texts afterwards, {Stats.F(drain.ModelSeconds / drain.Batched * 1000, 2)} ms per text); the rest is
            PostgreSQL and the queue. At the batched rate one instance drains the {texts:N0} texts in about
            {Stats.F(texts / (drain.Batched / drain.BatchedSeconds) / 60, 0)} minutes; the queue trigger scales out across instances (each text is locked and processed once).

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

    private readonly record struct Drain(int PerText, double PerTextSeconds, long PerTextCommands, int Batched, double BatchedSeconds, long BatchedCommands, double ModelSeconds);

    private static async Task<Drain> DrainAsync(TestDatabase db)
    {
        var queueName = TestStorage.UniqueName("benchtx");
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Test" });
        builder.Configuration.AddConfiguration(TestStorage.Configuration(db.ConnectionString, new Dictionary<string, string?>
        {
            ["TextQueueName"] = queueName,
            ["TextPipeline:SweepAfterSeconds"] = "0",
            ["TextPipeline:SweepBatchSize"] = (PerTextSample + DrainSample).ToString(CultureInfo.InvariantCulture),
        }));
        builder.AddShared();
        using var host = builder.Build();
        await host.StartAsync();
        var queue = TestStorage.Queues().GetQueueClient(queueName);
        await queue.CreateIfNotExistsAsync();
        try
        {
            var outbox = host.Services.GetRequiredService<TextOutbox>();
            var processor = host.Services.GetRequiredService<TextProcessor>();
            var screener = host.Services.GetRequiredService<ITextScreener>();
            var languages = host.Services.GetRequiredService<ILanguageDetector>();
            var classifier = host.Services.GetServices<IOutcomeClassifier>().Last(c => c.Provider == "embedded");
            // Load the models and JIT outside the timed part.
            languages.Detect("warm up the detector");
            await classifier.ClassifyAsync(new ClassificationRequest("warm up", "en", null));
            var queued = await outbox.SweepAsync();
            var ids = new List<Guid>();
            using var counter = new CommandCounter();

            async Task<(int Texts, double Seconds, long Commands)> Work(int texts, bool batched)
            {
                var commands = counter.Count;
                var clock = Stopwatch.StartNew();
                var done = 0;
                while (done < texts)
                {
                    var messages = (await queue.ReceiveMessagesAsync(batched ? 32 : 1, TimeSpan.FromMinutes(5))).Value;
                    if (messages.Length == 0)
                    {
                        break;
                    }

                    foreach (var m in messages)
                    {
                        var batch = TextQueue.Parse(m.Body.ToString()).TextIds;
                        ids.AddRange(batch);
                        if (batched)
                        {
                            await processor.ProcessManyAsync(batch);
                        }
                        else
                        {
                            foreach (var id in batch)
                            {
                                await processor.ProcessAsync(id);
                            }
                        }

                        done += batch.Count;
                        await queue.DeleteMessageAsync(m.MessageId, m.PopReceipt);
                    }
                }

                return (done, clock.Elapsed.TotalSeconds, counter.Count - commands);
            }

            var perText = await Work(Math.Min(PerTextSample, queued), batched: false);
            var batchedRun = await Work(queued - perText.Texts, batched: true);

            // The models' share: the same calls on the same texts, no database.
            await using var conn = await db.DataSource.OpenConnectionAsync();
            var bodies = (await conn.QueryAsync<string>("SELECT text FROM impact.texts WHERE id = ANY(@ids)", new { ids = ids.Skip(perText.Texts).ToArray() })).ToList();
            var models = Stopwatch.StartNew();
            foreach (var text in bodies)
            {
                var screening = screener.Screen(text);
                var language = languages.Detect(text);
                await classifier.ClassifyAsync(new ClassificationRequest(screening.MaskedText, language.Language, null));
            }

            models.Stop();
            return new Drain(perText.Texts, perText.Seconds, perText.Commands, batchedRun.Texts, batchedRun.Seconds, batchedRun.Commands,
                models.Elapsed.TotalSeconds * batchedRun.Texts / Math.Max(1, bodies.Count));
        }
        finally
        {
            await queue.DeleteIfExistsAsync();
            await host.StopAsync();
        }
    }
}
