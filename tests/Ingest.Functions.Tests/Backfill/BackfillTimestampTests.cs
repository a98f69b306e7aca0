using Dapper;
using Impact.Shared.Backfill;
using Impact.Shared.Events;
using Impact.TestSupport;
using Impact.TestSupport.Backfill;

namespace Impact.Ingest.Tests.Backfill;

/// <summary>A job's times are when things happened, even when one transaction starts and completes it.</summary>
public sealed class BackfillTimestampTests
{
    [Fact]
    public async Task AJobStartedAndCompletedInOneChunkIsCompletedAfterItStartedAndItsEventsAreInOrder()
    {
        await using var db = await TestDatabase.CreateAsync();
        var container = TestStorage.Blobs().GetBlobContainerClient(TestStorage.UniqueName("backfill"));
        var jobId = await BackfillTestJobs.CreateSessionsJobAsync(db.DataSource, container, new KintellSessionsCsv { Rows = 50 }.ToBytes());

        // One chunk holds the whole file: the transaction that starts the job also completes it.
        var job = await BackfillTestJobs.Importer(db.DataSource, chunkRows: 1_000, chunksPerActivity: 1).ImportChunksAsync(jobId);

        Assert.Equal(BackfillStatus.Completed, job.Status);
        await using var conn = await db.DataSource.OpenConnectionAsync();
        var times = await conn.QuerySingleAsync<(DateTime Created, DateTime Started, DateTime Completed, DateTime Updated)>(
            "SELECT created_at, started_at, completed_at, updated_at FROM impact.backfill_jobs WHERE id = @jobId", new { jobId });
        Assert.True(times.Started > times.Created);
        Assert.True(times.Completed >= times.Started, $"completed {times.Completed:O} before it started {times.Started:O}");
        Assert.True(times.Updated >= times.Completed);
        var events = (await conn.QueryAsync<(string Type, DateTime At)>(
            "SELECT type, occurred_at FROM impact.events WHERE correlation_id = @id ORDER BY id", new { id = jobId.ToString() })).ToList();
        Assert.Equal([EventTypes.BackfillProgress, EventTypes.BackfillCompleted], events.Select(e => e.Type));
        // Appended one after the other in the chunk's transaction: the completion is stamped after the progress.
        Assert.True(events[1].At > events[0].At, $"backfill.completed at {events[1].At:O}, progress at {events[0].At:O}");
        Assert.True(events[0].At >= times.Started);
    }
}
