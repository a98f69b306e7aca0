using Impact.Ingest.ImpactIn;
using Impact.Orchestrations;
using Impact.Shared;
using Impact.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Impact.Ingest.Tests.ImpactIn;

public sealed class RegistrationTests
{
    [Fact]
    public async Task TheAppsRegistrationsBuildEveryImpactInFunctionClassAndStartWithTheSampleSettings()
    {
        // The same calls as Program.cs, with the sample settings' ImpactIn values.
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddConfiguration(TestStorage.Configuration());
        builder.Configuration.AddInMemoryCollection(SampleImpactInSettings());
        builder.AddShared();
        builder.AddOrchestrationServices();
        builder.AddIngestFunctions();
        using var host = builder.Build();

        await host.StartAsync(); // runs the options validation
        Assert.NotNull(ActivatorUtilities.CreateInstance<ImpactInSchedules>(host.Services));
        Assert.NotNull(ActivatorUtilities.CreateInstance<ImpactInDeliveries>(host.Services));
        Assert.NotNull(ActivatorUtilities.CreateInstance<ImpactInScheduler>(host.Services));
        await host.StopAsync();
    }

    private static Dictionary<string, string?> SampleImpactInSettings()
    {
        var sample = Path.Combine(LocalServices.RepositoryRoot, "local.settings.sample.json");
        var values = System.Text.Json.JsonDocument.Parse(File.ReadAllText(sample)).RootElement.GetProperty("Values");
        return values.EnumerateObject()
            .Where(p => p.Name.StartsWith("ImpactIn__", StringComparison.Ordinal))
            .ToDictionary(p => p.Name.Replace("__", ":", StringComparison.Ordinal), p => (string?)p.Value.GetString());
    }
}
