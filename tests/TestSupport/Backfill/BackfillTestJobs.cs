using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using Impact.Shared.Backfill;
using Impact.Shared.Feedback.Pipeline;
using Impact.Shared.Security;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Impact.TestSupport.Backfill;

/// <summary>Backfill jobs made the way the upload endpoint makes them, and the importer, for tests that drive it directly.</summary>
public static class BackfillTestJobs
{
    /// <summary>The platform operator these jobs are uploaded by unless a test names another caller (a platform-wide import).</summary>
    public static readonly Caller Operator = new("test-operator", "Test Operator", null, [Roles.Operator]);

    /// <summary>
    /// Stores <paramref name="file"/> as <c>uploads/&lt;jobId&gt;.csv</c> in <paramref name="container"/>
    /// (created if missing) with its error file and a pending sessions job, through <see cref="BackfillUploads"/>; returns its id.
    /// </summary>
    public static async Task<Guid> CreateSessionsJobAsync(NpgsqlDataSource dataSource, BlobContainerClient container, byte[] file, Caller? caller = null)
    {
        var uploads = new BackfillUploads(new BackfillJobStore(dataSource, Options.Create(new TextPipelineOptions())), container.GetParentBlobServiceClient(),
            Options.Create(new BackfillOptions { Container = container.Name }), TimeProvider.System);
        return (await uploads.CreateAsync(BackfillKinds.KintellSessions, "sessions.csv", new MemoryStream(file), caller ?? Operator)).Id;
    }

    /// <summary>The chunk importer over the test database and Azurite, <paramref name="chunkRows"/> records per chunk.</summary>
    public static BackfillChunkImporter Importer(NpgsqlDataSource dataSource, int chunkRows, int chunksPerActivity) =>
        new(new BackfillJobStore(dataSource, Options.Create(new TextPipelineOptions())), TestStorage.Blobs(),
            Options.Create(new BackfillOptions { ChunkRows = chunkRows, ChunksPerActivity = chunksPerActivity }));
}
