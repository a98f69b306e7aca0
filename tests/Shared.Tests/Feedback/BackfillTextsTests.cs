using Dapper;
using Impact.Shared.Backfill;
using Impact.Shared.Feedback.Pipeline;
using Impact.TestSupport;
using Impact.TestSupport.Backfill;
using Microsoft.Extensions.Options;

namespace Impact.Shared.Tests.Feedback;

/// <summary>Feedback texts of a backfill: stored in each chunk's transaction, set-based, left for the sweeper (no queue message per row).</summary>
public sealed class BackfillTextsTests
{
    [Fact]
    public async Task EveryRatedRowWithFeedbackBecomesOneReceivedTextAndAReImportAddsNone()
    {
        await using var db = await TestDatabase.CreateAsync();
        var container = TestStorage.Blobs().GetBlobContainerClient(TestStorage.UniqueName("texts"));
        var csv = new KintellSessionsCsv { Rows = 300 };
        var bytes = csv.ToBytes();
        var importer = BackfillTestJobs.Importer(db.DataSource, chunkRows: 100, chunksPerActivity: 10);

        var job = await importer.ImportChunksAsync(await BackfillTestJobs.CreateSessionsJobAsync(db.DataSource, container, bytes));
        await importer.ImportChunksAsync(await BackfillTestJobs.CreateSessionsJobAsync(db.DataSource, container, bytes));

        Assert.Equal(BackfillStatus.Completed, job.Status);
        await using var conn = await db.DataSource.OpenConnectionAsync();
        var expected = await conn.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM impact.kintell_ratings WHERE feedback_text IS NOT NULL AND feedback_text <> ''");
        Assert.True(expected > 100);
        var texts = await conn.QueryAsync<(string Status, string ContentType, int Revision, bool Linked)>(
            """
            SELECT t.status, t.content_type, t.revision, r.rater_id = t.user_id
            FROM impact.texts t JOIN impact.kintell_ratings r ON r.external_id = t.content_id AND r.feedback_text = t.text
            WHERE t.source = 'kintell_rating'
            """);
        Assert.Equal(expected, texts.Count());
        Assert.All(texts, t => Assert.Equal(("received", "feedback_text", 1, true), t));
    }

    [Fact]
    public async Task WithThePipelineSwitchedOffABackfillStoresNoTexts()
    {
        await using var db = await TestDatabase.CreateAsync();
        var container = TestStorage.Blobs().GetBlobContainerClient(TestStorage.UniqueName("texts"));
        var jobId = await BackfillTestJobs.CreateSessionsJobAsync(db.DataSource, container, new KintellSessionsCsv { Rows = 200 }.ToBytes());
        var importer = new BackfillChunkImporter(new BackfillJobStore(db.DataSource, Options.Create(new TextPipelineOptions { Enabled = false })),
            TestStorage.Blobs(), Options.Create(new BackfillOptions { ChunkRows = 100, ChunksPerActivity = 10 }));

        var job = await importer.ImportChunksAsync(jobId);

        Assert.Equal(BackfillStatus.Completed, job.Status);
        await using var conn = await db.DataSource.OpenConnectionAsync();
        Assert.True(await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM impact.kintell_ratings WHERE feedback_text <> ''") > 0);
        Assert.Equal(0, await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM impact.texts"));
    }
}
