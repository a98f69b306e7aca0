using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;
using Dapper;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Impact.Shared.Backfill;

/// <summary>
/// Deletes backfill blobs that no job names: an upload (or its error file) whose job row was never created because
/// the process died between the upload and the insert, or any other path that writes under <c>uploads/</c> first
/// (e.g. a direct-to-blob upload that is never turned into a job). Erasure scans only the files of
/// <c>impact.backfill_jobs</c>, so such a file would keep a person's data for ever. Only blobs older than
/// <see cref="BackfillOptions.OrphanAfterHours"/> are considered, so an upload still on its way to a job is left alone.
/// </summary>
public sealed class BackfillOrphans(NpgsqlDataSource dataSource, BlobServiceClient blobs, IOptions<BackfillOptions> options, TimeProvider time)
{
    /// <summary>The prefixes of the backfill container that only job files live under.</summary>
    public static readonly IReadOnlyList<string> Prefixes = ["uploads/", "errors/", "incoming/"];

    /// <summary>Deletes every blob under <see cref="Prefixes"/> older than the threshold that no job row names; returns how many.</summary>
    public async Task<int> SweepAsync(CancellationToken ct = default)
    {
        var container = blobs.GetBlobContainerClient(options.Value.Container);
        if (!(await container.ExistsAsync(ct)).Value)
        {
            return 0;
        }

        var cutoff = time.GetUtcNow() - TimeSpan.FromHours(options.Value.OrphanAfterHours);
        var deleted = 0;
        foreach (var prefix in Prefixes)
        {
            await foreach (var page in container.GetBlobsAsync(BlobTraits.None, BlobStates.None, prefix, ct).AsPages(pageSizeHint: 1000))
            {
                var old = page.Values
                    .Where(b => (b.Properties.CreatedOn ?? b.Properties.LastModified) < cutoff)
                    .Select(b => b.Name)
                    .ToArray();
                if (old.Length == 0)
                {
                    continue;
                }

                var named = await NamedByJobsAsync(container.Name, old, ct);
                foreach (var name in old.Where(n => !named.Contains(n)))
                {
                    if ((await container.DeleteBlobIfExistsAsync(name, cancellationToken: ct)).Value)
                    {
                        deleted++;
                    }
                }
            }
        }

        return deleted;
    }

    private async Task<HashSet<string>> NamedByJobsAsync(string container, string[] names, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        var rows = await conn.QueryAsync<string>(new CommandDefinition(
            """
            SELECT blob_name FROM impact.backfill_jobs WHERE blob_container = @container AND blob_name = ANY(@names)
            UNION
            SELECT error_blob_name FROM impact.backfill_jobs WHERE blob_container = @container AND error_blob_name = ANY(@names)
            """, new { container, names }, cancellationToken: ct));
        return rows.ToHashSet(StringComparer.Ordinal);
    }
}
