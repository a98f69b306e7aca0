using System.Reflection;
using System.Text.Json;
using Impact.TestSupport;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Impact.Ingest.Tests.Metadata;

public sealed class AppStartupTests
{
    [Fact]
    public async Task TheAppStartsWithTheSampleSettingsAndBuildsEveryFunctionClass()
    {
        // The registrations of Program.cs with every value of local.settings.sample.json, except the
        // two connection settings, which point at the test services.
        await using var db = await TestDatabase.CreateAsync();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(SampleValues());
        builder.Configuration.AddConfiguration(TestStorage.Configuration(db.ConnectionString));
        builder.AddFunctionsAppServices();
        using var host = builder.Build();

        await host.StartAsync(); // runs every options validation

        var functionClasses = typeof(IngestRegistration).Assembly.GetTypes()
            .Where(t => t.GetMethods().Any(m => m.GetCustomAttribute<FunctionAttribute>() is not null))
            .ToList();
        Assert.True(functionClasses.Count >= 5, $"found only {functionClasses.Count} function classes");
        Assert.All(functionClasses, t => Assert.NotNull(ActivatorUtilities.CreateInstance(host.Services, t)));
        await host.StopAsync();
    }

    private static Dictionary<string, string?> SampleValues()
    {
        var sample = Path.Combine(LocalServices.RepositoryRoot, "local.settings.sample.json");
        return JsonDocument.Parse(File.ReadAllText(sample)).RootElement.GetProperty("Values").EnumerateObject()
            .ToDictionary(p => p.Name.Replace("__", ":", StringComparison.Ordinal), p => (string?)p.Value.GetString());
    }
}
