using Dapper;
using Impact.Shared.Backfill;
using Impact.TestSupport;
using Impact.TestSupport.Backfill;
using Impact.TestSupport.Durable;
using Xunit.Abstractions;

namespace Impact.Ingest.Tests.Backfill;

/// <summary>
/// Crash recovery on the storage backend the Functions host uses: the orchestrations run in a
/// separate process (DurableTask sidecar on Azure Storage/Azurite) that the test kills with SIGKILL.
/// </summary>
public sealed class BackfillDurabilityTests(ITestOutputHelper output)
{
    [Fact]
    public async Task WorkerKilledMidImportFinishesAfterRestartWithNoDuplicateOrMissingRow()
    {
        await using var db = await TestDatabase.CreateAsync();
        var settings = BackfillApp.Settings(chunkRows: 2_000);
        await using var harness = await DurableHarnessProcess.StartAsync(db, settings);
        await using var app = await BackfillApp.OnAsync(db, harness.Client, settings);
        var csv = new KintellSessionsCsv { Rows = 20_000, BadEvery = 500 };
        var jobId = await app.StartSessionsImportAsync(csv.ToBytes());
        var id = Guid.Parse(jobId);

        await Poll.UntilAsync(async () => (await app.Jobs.GetAsync(id, company: null)).ProcessedRows >= 4_000,
            TimeSpan.FromSeconds(90), "the import to be under way\n" + harness.Output);
        harness.Kill();
        var atKill = await app.Jobs.GetAsync(id, company: null);
        Assert.Equal(BackfillStatus.Running, atKill.Status);
        Assert.InRange(atKill.ProcessedRows, 4_000, 18_000);

        // The resume figure, on the database's clock: from the restart to the job's completed_at.
        DateTime restartedAt;
        await using (var conn = await db.DataSource.OpenConnectionAsync())
        {
            restartedAt = await conn.ExecuteScalarAsync<DateTime>("SELECT clock_timestamp()");
        }

        var clock = System.Diagnostics.Stopwatch.StartNew();
        await harness.StartAsync();
        var ready = clock.Elapsed;
        var done = await app.WaitForJobAsync(jobId, TimeSpan.FromSeconds(120));
        output.WriteLine(
            $"resume: the import finished {(done.CompletedAt!.Value - restartedAt).TotalSeconds:F1} s after the harness restart " +
            $"(process ready after {ready.TotalSeconds:F1} s; {20_000 - atKill.ProcessedRows} of 20,000 rows left at the kill; " +
            $"control/work-item queue visibility timeouts {DurableHarnessProcess.HostJsonStorageProvider("controlQueueVisibilityTimeout")}/" +
            $"{DurableHarnessProcess.HostJsonStorageProvider("workItemQueueVisibilityTimeout")} from host.json)");

        Assert.Equal(20_000, done.ProcessedRows);
        Assert.Equal(40, done.FailedRows);
        Assert.Equal(19_960, done.SucceededRows);
        Assert.Equal(19_960, await app.CountAsync("SELECT count(*) FROM impact.kintell_sessions"));
        var good = csv.GoodSessionIds().ToArray();
        Assert.Equal(19_960, await app.CountAsync("SELECT count(*) FROM impact.kintell_sessions WHERE external_id = ANY(@good)", new { good }));
        var errors = await BackfillApp.ParseCsvAsync((await app.GetErrorsAsync(jobId)).BodyBytes);
        Assert.Equal(csv.BadRows.Select(b => b.SessionId), errors.Rows.Select(r => r[0]));
    }
}
