using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using Impact.Shared.Backfill;
using Npgsql;

namespace Impact.TestSupport.Backfill;

/// <summary>Backfill jobs made the way the upload endpoint makes them, for tests that drive the importer directly.</summary>
public static class BackfillTestJobs
{
    /// <summary>
    /// Uploads <paramref name="file"/> to <c>uploads/&lt;jobId&gt;.csv</c> in <paramref name="container"/>
    /// (created if missing), creates the error file with the header's columns and a pending sessions job; returns its id.
    /// </summary>
    public static async Task<Guid> CreateSessionsJobAsync(NpgsqlDataSource dataSource, BlobContainerClient container, byte[] file)
    {
        await container.CreateIfNotExistsAsync();
        var jobId = Guid.NewGuid();
        await container.GetBlobClient($"uploads/{jobId}.csv").UploadAsync(new BinaryData(file));
        var header = (await CsvHeader.ReadAsync(new MemoryStream(file)))!;
        await ErrorFile.CreateAsync(container.GetBlockBlobClient($"errors/{jobId}.csv"), header.Columns);
        await BackfillJobs.CreateAsync(dataSource, jobId, BackfillKinds.KintellSessions, "sessions.csv", container.Name,
            $"uploads/{jobId}.csv", file.Length, header, $"errors/{jobId}.csv");
        return jobId;
    }
}
