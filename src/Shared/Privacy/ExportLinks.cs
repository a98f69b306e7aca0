using Azure.Storage.Blobs;
using Azure.Storage.Sas;

namespace Impact.Shared.Privacy;

/// <summary>Time-limited, read-only download links (SAS) to export ZIPs.</summary>
public static class ExportLinks
{
    /// <summary>
    /// A read-only SAS link to <paramref name="location"/> (<c>container/blob</c>) that stops working at
    /// <paramref name="expiresAt"/>. Signed with the account key when the client has one (Azurite, connection
    /// strings); otherwise with a user delegation key (managed identity in Azure).
    /// </summary>
    public static async Task<Uri> CreateAsync(BlobServiceClient blobs, string location, DateTimeOffset expiresAt, CancellationToken ct = default)
    {
        var slash = location.IndexOf('/', StringComparison.Ordinal);
        var blob = blobs.GetBlobContainerClient(location[..slash]).GetBlobClient(location[(slash + 1)..]);
        var sas = new BlobSasBuilder(BlobSasPermissions.Read, expiresAt)
        {
            BlobContainerName = blob.BlobContainerName,
            BlobName = blob.Name,
            Resource = "b",
            ContentDisposition = $"attachment; filename=\"privacy-export-{Path.GetFileNameWithoutExtension(blob.Name)}.zip\"",
        };
        if (blob.CanGenerateSasUri)
        {
            return blob.GenerateSasUri(sas);
        }

        var key = await blobs.GetUserDelegationKeyAsync(startsOn: null, expiresOn: expiresAt, cancellationToken: ct);
        return new BlobUriBuilder(blob.Uri) { Sas = sas.ToSasQueryParameters(key.Value, blobs.AccountName) }.ToUri();
    }
}
