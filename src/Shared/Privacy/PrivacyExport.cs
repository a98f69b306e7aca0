using System.Data;
using System.Text.Json;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Impact.Shared.Privacy;

/// <summary>
/// Builds a DSAR export (GDPR Art. 15/20): one JSON and one CSV file per data set (<see cref="ExportDataSets"/>),
/// <c>manifest.json</c> with a SHA-256 per file, and a README, as a ZIP in a blob. Every query reads one snapshot
/// (repeatable read), so the JSON and CSV of a data set, read in two passes, hold the same rows; the rows go to local
/// temporary files inside that read-only transaction, and the ZIP is built and uploaded only after it ended, so no
/// transaction stays open during blob work. Completing re-checks that the person still exists (an erasure that
/// finished after the snapshot wins: the export fails and its ZIP is deleted).
/// </summary>
public sealed class PrivacyExport(PrivacyRequestStore requests, NpgsqlDataSource dataSource, BlobServiceClient blobs,
    IOptions<PrivacyOptions> options, TimeProvider time)
{
    private static readonly JsonSerializerOptions ManifestJson = new(JsonDefaults.Web) { WriteIndented = true };

    /// <summary>
    /// Writes the ZIP of request <paramref name="requestId"/> to the exports container and marks the request completed
    /// (audit row and <c>privacy.export.completed</c> event in one transaction), or failed when the person was erased
    /// meanwhile (the ZIP is deleted then). Running it again overwrites the ZIP.
    /// </summary>
    public async Task<ExportResult> RunAsync(Guid requestId, CancellationToken ct = default)
    {
        var request = await requests.FindAsync(requestId, ct)
            ?? throw new InvalidOperationException($"Privacy request {requestId} does not exist.");
        var container = blobs.GetBlobContainerClient(options.Value.ExportsContainer);
        var blobName = $"{requestId}.zip";
        var location = $"{container.Name}/{blobName}";
        if (request.UserId is not { } userId)
        {
            // Erased since the request was made, maybe after an earlier attempt uploaded the ZIP: nothing of it may stay.
            await container.GetBlobClient(blobName).DeleteIfExistsAsync(cancellationToken: ct);
            var status = await requests.DiscardExportAsync(requestId, ct);
            return new ExportResult(location, [], status);
        }

        await requests.StartExportAsync(requestId, ct);
        await container.CreateIfNotExistsAsync(cancellationToken: ct);
        var folder = Directory.CreateTempSubdirectory("impact-export-");
        try
        {
            var snapshot = await ReadSnapshotAsync(requestId, userId, folder.FullName, ct);
            if (snapshot is null)
            {
                var status = await requests.DiscardExportAsync(requestId, ct);
                return new ExportResult(location, [], status);
            }

            var files = await WriteZipAsync(requestId, userId, snapshot, container.GetBlobClient(blobName), ct);
            var result = new ExportResult(location, files, PrivacyRequestStatus.Completed);
            var completed = await requests.CompleteExportAsync(request, result, ct);
            if (completed != PrivacyRequestStatus.Completed)
            {
                await container.GetBlobClient(blobName).DeleteIfExistsAsync(cancellationToken: CancellationToken.None);
            }

            return result with { Status = completed };
        }
        finally
        {
            folder.Delete(recursive: true);
        }
    }

    private sealed record SnapshotFile(string Name, string DataSet, long Rows, string Path);

    // Every data set's JSON and CSV as local files, all from one snapshot; null when the person is already gone.
    private async Task<List<SnapshotFile>?> ReadSnapshotAsync(Guid requestId, Guid userId, string folder, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        var email = await conn.ExecuteScalarAsync<string>(new CommandDefinition(
            "SELECT email FROM impact.users WHERE id = @userId", new { userId }, tx, cancellationToken: ct));
        if (email is null)
        {
            return null;
        }

        var parameters = ExportDataSets.Parameters(userId, email);
        var files = new List<SnapshotFile>();
        var sets = ExportDataSets.All;
        for (var i = 0; i < sets.Length; i++)
        {
            var name = sets[i].Name;
            var command = new CommandDefinition(sets[i].Sql, parameters, tx, cancellationToken: ct, flags: CommandFlags.None);
            var jsonPath = Path.Combine(folder, name + ".json");
            long rows;
            await using (var file = File.Create(jsonPath))
            await using (var reader = await conn.ExecuteReaderAsync(command))
            {
                rows = await ExportJsonFile.WriteAsync(reader, file, ct);
            }

            files.Add(new SnapshotFile(name + ".json", name, rows, jsonPath));
            var csvPath = Path.Combine(folder, name + ".csv");
            await using (var file = File.Create(csvPath))
            await using (var reader = await conn.ExecuteReaderAsync(command))
            {
                await ExportCsvFile.WriteAsync(reader, file, ct);
            }

            files.Add(new SnapshotFile(name + ".csv", name, rows, csvPath));
            await requests.SetProgressAsync(requestId, 5 + 60 * (i + 1) / sets.Length, ct);
        }

        await tx.CommitAsync(ct);
        return files;
    }

    private async Task<List<ExportFile>> WriteZipAsync(Guid requestId, Guid userId, List<SnapshotFile> snapshot, BlobClient blob, CancellationToken ct)
    {
        var files = new List<ExportFile>();
        var generatedAt = time.GetUtcNow();
        await using (var output = await blob.OpenWriteAsync(overwrite: true,
                         new BlobOpenWriteOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/zip" } }, ct))
        await using (var zip = new ExportZip(output))
        {
            await zip.WriteTextAsync("README.txt", ExportReadme.Text(requestId, generatedAt), ct);
            for (var i = 0; i < snapshot.Count; i++)
            {
                var f = snapshot[i];
                var entry = await zip.WriteEntryAsync(f.Name, async s =>
                {
                    await using var file = File.OpenRead(f.Path);
                    await file.CopyToAsync(s, ct);
                }, ct);
                files.Add(new ExportFile(f.Name, f.DataSet, f.Rows, entry.Bytes, entry.Sha256));
                await requests.SetProgressAsync(requestId, 65 + 30 * (i + 1) / snapshot.Count, ct);
            }

            var manifest = new { requestId, userId, generatedAt, files };
            await zip.WriteTextAsync("manifest.json", JsonSerializer.Serialize(manifest, ManifestJson), ct);
        }

        return files;
    }
}
