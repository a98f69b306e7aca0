using System.Text.Json;
using Impact.Shared.Security;
using Impact.TestSupport;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Impact.Ingest.Tests.Security;

public sealed class DevelopmentSecretsTests
{
    // local.settings.sample.json as committed, with only the connection settings pointing at the test services.
    private static async Task<IHost> StartWithTheSampleAsync(string environment, TestDatabase db)
    {
        var sample = JsonDocument.Parse(File.ReadAllText(Path.Combine(LocalServices.RepositoryRoot, "local.settings.sample.json")))
            .RootElement.GetProperty("Values").EnumerateObject()
            .Where(p => p.Name is not ("AzureWebJobsStorage" or "Postgres__ConnectionString"))
            .ToDictionary(p => p.Name.Replace("__", ":", StringComparison.Ordinal), p => (string?)p.Value.GetString());
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = environment });
        builder.Configuration.AddConfiguration(TestStorage.Configuration(db.ConnectionString));
        builder.Configuration.AddInMemoryCollection(sample);
        builder.AddFunctionsAppServices();
        var host = builder.Build();
        try
        {
            await host.StartAsync();
            return host;
        }
        catch
        {
            host.Dispose();
            throw;
        }
    }

    [Fact]
    public async Task InProductionTheCommittedWebhookSecretsAndSigningKeyStopTheAppAndAreNamed()
    {
        await using var db = await TestDatabase.CreateAsync();

        // Both settings fail at once; the host reports them together.
        var error = await Assert.ThrowsAsync<AggregateException>(() => StartWithTheSampleAsync(Environments.Production, db));
        var messages = error.InnerExceptions.OfType<OptionsValidationException>().Select(e => e.Message).ToList();

        Assert.Equal(2, messages.Count);
        Assert.Contains(messages, m => m.StartsWith("Webhooks:Kintell:Secrets holds a development secret", StringComparison.Ordinal));
        Assert.Contains(messages, m => m.StartsWith("Jwt:SigningKey holds a development secret", StringComparison.Ordinal));
    }

    [Fact]
    public async Task InDevelopmentTheCommittedSecretsAreAccepted()
    {
        await using var db = await TestDatabase.CreateAsync();

        using var host = await StartWithTheSampleAsync(Environments.Development, db);

        Assert.Equal(DevelopmentSecrets.SigningKey, host.Services.GetRequiredOptions<JwtOptions>().SigningKey);
        await host.StopAsync();
    }

    [Fact]
    public void TheListOfCommittedSecretsCoversTheSampleAndTheSseHostsDevelopmentSettings()
    {
        var root = LocalServices.RepositoryRoot;
        var sample = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "local.settings.sample.json"))).RootElement.GetProperty("Values");
        var sseDevelopment = JsonDocument.Parse(File.ReadAllText(Path.Combine(root, "src", "Stream.Host", "appsettings.Development.json"))).RootElement;

        Assert.Equal(DevelopmentSecrets.SigningKey, sample.GetProperty("Jwt__SigningKey").GetString());
        Assert.Equal(DevelopmentSecrets.SigningKey, sseDevelopment.GetProperty("Jwt").GetProperty("SigningKey").GetString());
        Assert.Equal(DevelopmentSecrets.WebhookSecrets,
            sample.GetProperty("Webhooks__Kintell__Secrets").GetString()!.Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }
}

internal static class OptionsLookup
{
    public static T GetRequiredOptions<T>(this IServiceProvider services) where T : class =>
        ((IOptions<T>)services.GetService(typeof(IOptions<T>))!).Value;
}
