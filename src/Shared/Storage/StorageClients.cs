using Azure.Identity;
using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Microsoft.Extensions.Configuration;

namespace Impact.Shared.Storage;

/// <summary>
/// Builds Azure Storage clients from the same settings the Functions host uses for
/// <c>AzureWebJobsStorage</c>: a connection string locally (Azurite), or the identity-based
/// form in Azure (<c>AzureWebJobsStorage__accountName</c> plus optional <c>__clientId</c>).
/// </summary>
public static class StorageClients
{
    /// <summary>The setting the Functions host and this app read.</summary>
    public const string ConnectionName = "AzureWebJobsStorage";

    /// <summary>Queue messages are base64 text, which is what the Functions queue trigger expects.</summary>
    public static QueueServiceClient CreateQueueService(IConfiguration configuration) =>
        Create(configuration,
            cs => new QueueServiceClient(cs, QueueOptions()),
            (uri, cred) => new QueueServiceClient(uri, cred, QueueOptions()),
            "queue");

    /// <summary>A blob service client for uploads, error files and exports.</summary>
    public static BlobServiceClient CreateBlobService(IConfiguration configuration) =>
        Create(configuration,
            cs => new BlobServiceClient(cs),
            (uri, cred) => new BlobServiceClient(uri, cred),
            "blob");

    // A webhook sender waits while we enqueue: retry briefly, then let the outbox sweeper take over.
    private static QueueClientOptions QueueOptions() => new()
    {
        MessageEncoding = QueueMessageEncoding.Base64,
        Retry = { MaxRetries = 2, Delay = TimeSpan.FromMilliseconds(200), MaxDelay = TimeSpan.FromSeconds(1), NetworkTimeout = TimeSpan.FromSeconds(10) },
    };

    private static T Create<T>(IConfiguration configuration, Func<string, T> fromConnectionString,
        Func<Uri, DefaultAzureCredential, T> fromIdentity, string service)
    {
        var connectionString = configuration[ConnectionName];
        if (!string.IsNullOrWhiteSpace(connectionString))
        {
            return fromConnectionString(connectionString);
        }

        var account = configuration[$"{ConnectionName}:accountName"];
        if (string.IsNullOrWhiteSpace(account))
        {
            throw new InvalidOperationException(
                $"Storage is not configured: set {ConnectionName} to a connection string, or {ConnectionName}__accountName for a managed identity.");
        }

        var credential = new DefaultAzureCredential(new DefaultAzureCredentialOptions
        {
            ManagedIdentityClientId = configuration[$"{ConnectionName}:clientId"],
        });
        return fromIdentity(new Uri($"https://{account}.{service}.core.windows.net"), credential);
    }
}
