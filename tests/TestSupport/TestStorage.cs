using Azure.Storage.Blobs;
using Azure.Storage.Queues;
using Impact.Shared.Storage;
using Microsoft.Extensions.Configuration;

namespace Impact.TestSupport;

/// <summary>Azurite clients and unique names, so tests sharing one Azurite never see each other's messages.</summary>
public static class TestStorage
{
    public static string ConnectionString => LocalServices.Settings.StorageConnectionString;

    /// <summary>A valid, unique queue or container name: lower case, 3–63 characters.</summary>
    public static string UniqueName(string prefix) => $"{prefix}-{Guid.NewGuid():N}"[..Math.Min(63, prefix.Length + 13)].ToLowerInvariant();

    public static QueueServiceClient Queues() => StorageClients.CreateQueueService(Configuration());

    public static BlobServiceClient Blobs() => StorageClients.CreateBlobService(Configuration());

    /// <summary>The settings the app reads, pointing at the test services, plus any overrides.</summary>
    public static IConfiguration Configuration(string? postgresConnectionString = null, IDictionary<string, string?>? overrides = null)
    {
        var values = new Dictionary<string, string?>
        {
            [StorageClients.ConnectionName] = ConnectionString,
            ["Postgres:ConnectionString"] = postgresConnectionString ?? LocalServices.Settings.PostgresConnectionString,
            // Every host built with the app's registration validates this; webhook tests set their own.
            ["Webhooks:Kintell:Secrets"] = "test-only-kintell-secret",
            // The local issuer whose tokens TestTokens mints.
            ["Jwt:Issuer"] = Security.TestTokens.Local.Issuer,
            ["Jwt:Audience"] = Security.TestTokens.Local.Audience,
            ["Jwt:SigningKey"] = Security.TestTokens.Local.SigningKey,
        };
        foreach (var (k, v) in overrides ?? new Dictionary<string, string?>())
        {
            values[k] = v;
        }

        return new ConfigurationBuilder().AddInMemoryCollection(values).Build();
    }
}
