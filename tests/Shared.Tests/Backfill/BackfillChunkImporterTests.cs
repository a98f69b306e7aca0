using Azure;
using Dapper;
using Impact.Shared.Backfill;
using Impact.TestSupport;
using Impact.TestSupport.Backfill;

namespace Impact.Shared.Tests.Backfill;

/// <summary>The import step on its own, against real PostgreSQL and Azurite: no orchestration.</summary>
public sealed class BackfillChunkImporterTests
{
    [Fact]
    public async Task AStepImportsAtMostItsChunksAndEachChunkCommitsItsOwnCheckpointAndProgressEvent()
    {
        await using var db = await TestDatabase.CreateAsync();
        var blobs = TestStorage.Blobs();
        var container = blobs.GetBlobContainerClient(TestStorage.UniqueName("importer"));
        var csv = new KintellSessionsCsv { Rows = 1_050, BadEvery = 100 };
        var jobId = await BackfillTestJobs.CreateSessionsJobAsync(db.DataSource, container, csv.ToBytes());

        var importer = BackfillTestJobs.Importer(db.DataSource, chunkRows: 100, chunksPerActivity: 3);

        var first = await importer.ImportChunksAsync(jobId);

        Assert.Equal(BackfillStatus.Running, first.Status);
        Assert.Equal(300, first.ProcessedRows);
        Assert.Equal(301, first.CheckpointRow);
        Assert.Equal(3, first.FailedRows);
        await using var conn = await db.DataSource.OpenConnectionAsync();
        Assert.Equal(297, await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM impact.kintell_sessions"));
        var progress = (await conn.QueryAsync<long>(
            "SELECT (data->>'processedRows')::bigint FROM impact.events WHERE type = 'backfill.progress' ORDER BY id")).ToArray();
        Assert.Equal([100L, 200L, 300L], progress);

        var steps = 1;
        var job = first;
        while (job.Status == BackfillStatus.Running)
        {
            job = await importer.ImportChunksAsync(jobId);
            steps++;
        }

        Assert.Equal(BackfillStatus.Completed, job.Status);
        Assert.Equal(4, steps); // 11 chunks, 3 per step
        Assert.Equal(1_050, job.ProcessedRows);
        Assert.Equal(csv.BadRows.Count, job.FailedRows);
        Assert.Equal(1_050 - csv.BadRows.Count, await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM impact.kintell_sessions"));
        Assert.Equal(11, await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM impact.events WHERE type = 'backfill.progress'"));
        var errors = (await container.GetBlobClient($"errors/{jobId}.csv").DownloadContentAsync()).Value.Content.ToString();
        foreach (var bad in csv.BadRows)
        {
            Assert.Contains($",{bad.RecordNumber},", errors, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task AnUploadThatCannotBeReadFailsTheStepAndMovesNothing()
    {
        await using var db = await TestDatabase.CreateAsync();
        var container = TestStorage.Blobs().GetBlobContainerClient(TestStorage.UniqueName("importer"));
        var jobId = await BackfillTestJobs.CreateSessionsJobAsync(db.DataSource, container, new KintellSessionsCsv { Rows = 100 }.ToBytes());
        await container.GetBlobClient($"uploads/{jobId}.csv").DeleteAsync();

        var e = await Assert.ThrowsAsync<RequestFailedException>(() =>
            BackfillTestJobs.Importer(db.DataSource, chunkRows: 100, chunksPerActivity: 3).ImportChunksAsync(jobId));

        Assert.Equal(404, e.Status);
        var job = await new BackfillJobStore(db.DataSource, Microsoft.Extensions.Options.Options.Create(new Impact.Shared.Feedback.Pipeline.TextPipelineOptions())).GetAsync(jobId, company: null);
        Assert.Equal(BackfillStatus.Pending, job.Status);
        Assert.Equal(0, job.ProcessedRows);
        await using var conn = await db.DataSource.OpenConnectionAsync();
        Assert.Equal(0, await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM impact.events"));
    }
}
