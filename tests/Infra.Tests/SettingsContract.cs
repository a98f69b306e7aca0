using System.Text.Json.Nodes;

namespace Impact.Infra.Tests;

/// <summary>
/// The rule "setting names in Bicep equal the keys of local.settings.sample.json" and its few,
/// explained exceptions. A key added on one side only shows up as a mismatch.
/// </summary>
public static class SettingsContract
{
    /// <summary>Sample keys that Azure spells differently.</summary>
    public static readonly IReadOnlyDictionary<string, string[]> Renamed = new Dictionary<string, string[]>
    {
        // Locally a connection string (Azurite); in Azure the identity-based form the Functions
        // host and Shared's StorageClients both read — no account key anywhere.
        ["AzureWebJobsStorage"] = ["AzureWebJobsStorage__accountName", "AzureWebJobsStorage__credential", "AzureWebJobsStorage__clientId"],
    };

    /// <summary>Sample keys with no app setting in Azure, and why.</summary>
    public static readonly IReadOnlyDictionary<string, string> LocalOnly = new Dictionary<string, string>
    {
        ["FUNCTIONS_WORKER_RUNTIME"] = "Flex Consumption takes the runtime from functionAppConfig.runtime and rejects this app setting",
        ["Jwt__Issuer"] = "the local HS256 issuer's name; in Azure the issuer comes from the Entra authority's metadata (Jwt__Authority)",
        ["OTEL_EXPORTER_OTLP_ENDPOINT"] = "a local OpenTelemetry collector; in Azure telemetry goes to Application Insights (APPLICATIONINSIGHTS_CONNECTION_STRING)",
        ["Jwt__SigningKey"] = "the local HS256 development key, refused outside Development; Azure validates Entra RS256 tokens with the authority's keys",
    };

    /// <summary>App settings of the Functions app with no sample key, and why.</summary>
    public static readonly IReadOnlyDictionary<string, string> AzureOnly = new Dictionary<string, string>
    {
        ["APPLICATIONINSIGHTS_CONNECTION_STRING"] = "telemetry goes to Application Insights only in Azure",
        ["APPLICATIONINSIGHTS_AUTHENTICATION_STRING"] = "the host authenticates telemetry with the managed identity",
        ["AZURE_CLIENT_ID"] = "tells DefaultAzureCredential which managed identity to use",
    };

    public static string SamplePath { get; } = Path.Combine(BicepCli.RepositoryRoot, "local.settings.sample.json");

    public static IReadOnlyList<string> SampleKeys()
    {
        var sample = JsonNode.Parse(File.ReadAllText(SamplePath))?["Values"] as JsonObject
            ?? throw new InvalidOperationException($"{SamplePath} has no \"Values\" object.");
        return [.. sample.Select(p => p.Key)];
    }

    /// <summary>Sample keys whose app setting(s) the Functions app lacks, e.g. "Backfill__BatchSize".</summary>
    public static IReadOnlyList<string> MissingFromBicep(IEnumerable<string> sampleKeys, IEnumerable<string> appSettings)
    {
        var inBicep = appSettings.ToHashSet(StringComparer.Ordinal);
        return
        [
            .. sampleKeys
                .Where(key => !LocalOnly.ContainsKey(key))
                .SelectMany(key => Renamed.TryGetValue(key, out var names)
                    ? names.Where(n => !inBicep.Contains(n)).Select(n => $"{n} (for {key})")
                    : inBicep.Contains(key) ? [] : [key]),
        ];
    }

    /// <summary>App settings that are neither a sample key, nor its Azure spelling, nor Azure-only.</summary>
    public static IReadOnlyList<string> MissingFromSample(IEnumerable<string> sampleKeys, IEnumerable<string> appSettings)
    {
        var known = sampleKeys
            .SelectMany(key => Renamed.TryGetValue(key, out var names) ? names : [key])
            .Concat(AzureOnly.Keys)
            .ToHashSet(StringComparer.Ordinal);
        return [.. appSettings.Where(name => !known.Contains(name))];
    }
}
