using Impact.Shared.Feedback.Pipeline;
using Azure.Storage.Blobs;
using Dapper;
using Impact.Shared.Backfill;
using Impact.TestSupport;
using Impact.TestSupport.Backfill;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using Npgsql;

namespace Impact.Ingest.Tests.Backfill;

/// <summary>
/// Backfill blobs that no job row names would escape erasure (it scans the files of <c>impact.backfill_jobs</c>):
/// a failed job creation deletes its blobs at once, and the orphan sweep deletes what a crash left behind.
/// </summary>
public sealed class BackfillOrphanTests
{
    private static readonly byte[] File = System.Text.Encoding.UTF8.GetBytes(KintellSessionsCsv.Header + "\nS1,Language,amira@example.org,vera@acme.example,2025-03-01,45,5,Thanks,B1\n");

    [Fact]
    public async Task AnUploadWhoseJobCannotBeRecordedLeavesNoBlobBehind()
    {
        await using var db = await TestDatabase.CreateAsync();
        var container = TestStorage.Blobs().GetBlobContainerClient(TestStorage.UniqueName("backfill"));
        await using (var conn = await db.DataSource.OpenConnectionAsync())
        {
            // The insert fails after the upload, the way a database error (not a problem the caller made) does.
            await conn.ExecuteAsync("ALTER TABLE impact.backfill_jobs ADD CONSTRAINT test_refuses CHECK (file_name <> 'refused.csv')");
        }

        var uploads = new BackfillUploads(new BackfillJobStore(db.DataSource, Options.Create(new TextPipelineOptions())), TestStorage.Blobs(),
            Options.Create(new BackfillOptions { Container = container.Name }), TimeProvider.System);

        var e = await Assert.ThrowsAsync<PostgresException>(() =>
            uploads.CreateAsync(BackfillKinds.KintellSessions, "refused.csv", new MemoryStream(File), BackfillTestJobs.Operator));

        Assert.Equal(PostgresErrorCodes.CheckViolation, e.SqlState);
        Assert.Empty(await NamesAsync(container));
        // The same call with a file the database accepts leaves the upload and its error file, named by the job.
        var job = await uploads.CreateAsync(BackfillKinds.KintellSessions, "sessions.csv", new MemoryStream(File), BackfillTestJobs.Operator);
        Assert.Equal([job.ErrorBlobName, job.BlobName], await NamesAsync(container));
    }

    [Fact]
    public async Task TheSweepDeletesOldBlobsNoJobNamesAndKeepsTheJobsFilesAndFreshUploads()
    {
        await using var db = await TestDatabase.CreateAsync();
        var container = TestStorage.Blobs().GetBlobContainerClient(TestStorage.UniqueName("backfill"));
        var jobId = await BackfillTestJobs.CreateSessionsJobAsync(db.DataSource, container, File);
        // What a process killed between the upload and the job's insert leaves: an upload and an error file, no row.
        var orphan = Guid.NewGuid();
        await container.UploadBlobAsync($"uploads/{orphan}.csv", BinaryData.FromBytes(File));
        await container.UploadBlobAsync($"errors/{orphan}.csv", BinaryData.FromString(KintellSessionsCsv.Header + ",_error_row,_error_message\n"));
        await container.UploadBlobAsync("notes/readme.txt", BinaryData.FromString("not a job file"));
        var options = Options.Create(new BackfillOptions { Container = container.Name, OrphanAfterHours = 24 });

        var now = new BackfillOrphans(db.DataSource, TestStorage.Blobs(), options, TimeProvider.System);
        Assert.Equal(0, await now.SweepAsync());
        Assert.Equal(5, (await NamesAsync(container)).Count);

        var dayLater = new FakeTimeProvider(DateTimeOffset.UtcNow.AddHours(25));
        var later = new BackfillOrphans(db.DataSource, TestStorage.Blobs(), options, dayLater);
        Assert.Equal(2, await later.SweepAsync());

        Assert.Equal([$"errors/{jobId}.csv", "notes/readme.txt", $"uploads/{jobId}.csv"], await NamesAsync(container));
        Assert.Equal(0, await later.SweepAsync());
    }

    private static async Task<List<string>> NamesAsync(BlobContainerClient container)
    {
        var names = new List<string>();
        if (!(await container.ExistsAsync()).Value)
        {
            return names;
        }

        await foreach (var blob in container.GetBlobsAsync(Azure.Storage.Blobs.Models.BlobTraits.None, Azure.Storage.Blobs.Models.BlobStates.None, null, default))
        {
            names.Add(blob.Name);
        }

        return [.. names.Order(StringComparer.Ordinal)];
    }
}
