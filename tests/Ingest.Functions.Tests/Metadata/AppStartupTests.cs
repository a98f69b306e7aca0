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

        // Every constructor parameter of every function class is a service of the app's container
        // (the worker builds them from it), and each one resolves.
        var isService = host.Services.GetRequiredService<IServiceProviderIsService>();
        var missing = functionClasses
            .SelectMany(t => Constructor(t).GetParameters().Select(p => (Class: t, Parameter: p)))
            .Where(x => !isService.IsService(x.Parameter.ParameterType))
            .Select(x => $"{x.Class.Name}({x.Parameter.ParameterType.Name} {x.Parameter.Name})")
            .ToList();
        Assert.True(missing.Count == 0, "not registered in the app's container: " + string.Join(", ", missing));
        Assert.All(functionClasses, t =>
        {
            foreach (var p in Constructor(t).GetParameters())
            {
                Assert.IsAssignableFrom(p.ParameterType, host.Services.GetRequiredService(p.ParameterType));
            }

            Assert.IsType(t, ActivatorUtilities.CreateInstance(host.Services, t));
        });
        await host.StopAsync();
    }

    // The constructor the worker's activator picks: a function class has exactly one public one.
    private static ConstructorInfo Constructor(Type functionClass) => Assert.Single(functionClass.GetConstructors());

    private static Dictionary<string, string?> SampleValues()
    {
        var sample = Path.Combine(LocalServices.RepositoryRoot, "local.settings.sample.json");
        return JsonDocument.Parse(File.ReadAllText(sample)).RootElement.GetProperty("Values").EnumerateObject()
            .ToDictionary(p => p.Name.Replace("__", ":", StringComparison.Ordinal), p => (string?)p.Value.GetString());
    }
}
