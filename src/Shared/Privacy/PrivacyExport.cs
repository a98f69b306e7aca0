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
/// <c>manifest.json</c> with a SHA-256 per file, and a README, streamed as a ZIP straight into a blob. Every query
/// reads one snapshot (repeatable read), so the JSON and CSV of a data set, read in two passes, hold the same rows.
/// </summary>
public sealed class PrivacyExport(PrivacyRequestStore requests, NpgsqlDataSource dataSource, BlobServiceClient blobs,
    IOptions<PrivacyOptions> options, TimeProvider time)
{
    private static readonly JsonSerializerOptions ManifestJson = new(JsonDefaults.Web) { WriteIndented = true };

    /// <summary>
    /// Writes the ZIP of request <paramref name="requestId"/> to the exports container and marks the request completed
    /// (audit row and <c>privacy.export.completed</c> event in one transaction). Running it again overwrites the ZIP.
    /// </summary>
    public async Task<ExportResult> RunAsync(Guid requestId, CancellationToken ct = default)
    {
        var request = await requests.FindAsync(requestId, ct)
            ?? throw new InvalidOperationException($"Privacy request {requestId} does not exist.");
        if (request.UserId is not { } userId)
        {
            throw new InvalidOperationException($"Privacy request {requestId} no longer names a person (erased).");
        }

        await requests.StartExportAsync(requestId, ct);
        var container = blobs.GetBlobContainerClient(options.Value.ExportsContainer);
        await container.CreateIfNotExistsAsync(cancellationToken: ct);
        var blobName = $"{requestId}.zip";
        var files = await WriteZipAsync(requestId, userId, container.GetBlobClient(blobName), ct);
        var result = new ExportResult($"{container.Name}/{blobName}", files);
        await requests.CompleteExportAsync(request, result, ct);
        return result;
    }

    private async Task<List<ExportFile>> WriteZipAsync(Guid requestId, Guid userId, BlobClient blob, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(IsolationLevel.RepeatableRead, ct);
        var email = await conn.ExecuteScalarAsync<string>(new CommandDefinition(
            "SELECT email FROM impact.users WHERE id = @userId", new { userId }, tx, cancellationToken: ct))
            ?? throw new InvalidOperationException($"The person of privacy request {requestId} no longer exists.");
        var parameters = ExportDataSets.Parameters(userId, email);

        var files = new List<ExportFile>();
        var generatedAt = time.GetUtcNow();
        await using (var output = await blob.OpenWriteAsync(overwrite: true,
                         new BlobOpenWriteOptions { HttpHeaders = new BlobHttpHeaders { ContentType = "application/zip" } }, ct))
        await using (var zip = new ExportZip(output))
        {
            await zip.WriteTextAsync("README.txt", ExportReadme.Text(requestId, generatedAt), ct);
            var sets = ExportDataSets.All;
            for (var i = 0; i < sets.Length; i++)
            {
                var name = sets[i].Name;
                var command = new CommandDefinition(sets[i].Sql, parameters, tx, cancellationToken: ct, flags: CommandFlags.None);
                long rows = 0;
                var json = await zip.WriteEntryAsync(name + ".json", async s =>
                {
                    await using var reader = await conn.ExecuteReaderAsync(command);
                    rows = await ExportJsonFile.WriteAsync(reader, s, ct);
                }, ct);
                files.Add(new ExportFile(name + ".json", name, rows, json.Bytes, json.Sha256));
                var csv = await zip.WriteEntryAsync(name + ".csv", async s =>
                {
                    await using var reader = await conn.ExecuteReaderAsync(command);
                    await ExportCsvFile.WriteAsync(reader, s, ct);
                }, ct);
                files.Add(new ExportFile(name + ".csv", name, rows, csv.Bytes, csv.Sha256));
                await requests.SetProgressAsync(requestId, 5 + 90 * (i + 1) / sets.Length, ct);
            }

            var manifest = new { requestId, userId, generatedAt, files };
            await zip.WriteTextAsync("manifest.json", JsonSerializer.Serialize(manifest, ManifestJson), ct);
        }

        await tx.CommitAsync(ct);
        return files;
    }
}
