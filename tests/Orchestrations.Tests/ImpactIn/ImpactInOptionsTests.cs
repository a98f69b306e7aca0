using Impact.Orchestrations.ImpactIn;
using Impact.Shared.ImpactIn;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Impact.Orchestrations.Tests.ImpactIn;

public sealed class ImpactInOptionsTests
{
    [Theory]
    [InlineData("ImpactIn:BackoffFactor", "0.5", "BackoffFactor")]
    [InlineData("ImpactIn:MaxAttempts", "0", "MaxAttempts")]
    [InlineData("ImpactIn:Benevity:BaseUrl", "not a url", "ImpactIn:Benevity:BaseUrl")]
    [InlineData("ImpactIn:Goodera:MaxRecordsPerRequest", "500", "MaxRecordsPerRequest")]
    public async Task AHostWithInvalidImpactInSettingsRefusesToStartAndNamesTheSetting(string key, string value, string named)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [key] = value });
        builder.AddImpactIn();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(named, error.Message);
    }

    [Theory]
    [InlineData("ImpactIn:Benevity:BaseUrl")]
    [InlineData("ImpactIn:Benevity:TokenUrl")]
    [InlineData("ImpactIn:Goodera:BaseUrl")]
    [InlineData("ImpactIn:Workday:BaseUrl")]
    [InlineData("ImpactIn:Workday:TokenUrl")]
    public async Task InProductionAPlainHttpPartnerUrlRefusesToStartAndNamesTheSetting(string key)
    {
        using var host = Build(Environments.Production, new() { [key] = "http://partner.example/api" });

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Equal($"{key} must be https outside Development, got 'http://partner.example/api'.", Assert.Single(error.Failures));
    }

    [Theory]
    [InlineData("Production", "http://127.0.0.1:5123/")]
    [InlineData("Production", "http://localhost:5123/token")]
    [InlineData("Production", "http://[::1]:5123/")]
    [InlineData("Production", "https://api.benevity.example/")]
    [InlineData("Development", "http://partner.example/api")]
    public async Task HttpsOrALoopbackHostOrTheDevelopmentEnvironmentStarts(string environment, string url)
    {
        using var host = Build(environment, new() { ["ImpactIn:Benevity:BaseUrl"] = url, ["ImpactIn:Workday:TokenUrl"] = url });

        await host.StartAsync();
        var options = host.Services.GetRequiredService<IOptions<ImpactInOptions>>().Value;
        await host.StopAsync();

        Assert.Equal(url, options.Benevity.BaseUrl);
    }

    private static IHost Build(string environment, Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = environment });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.AddImpactIn();
        return builder.Build();
    }

    [Fact]
    public async Task AHostWithNoImpactInSettingsStartsWithTheDocumentedDefaults()
    {
        // An empty builder: nothing from this machine's environment or files reaches the options.
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.AddImpactIn();
        using var host = builder.Build();

        await host.StartAsync();
        var options = host.Services.GetRequiredService<IOptions<ImpactInOptions>>().Value;
        await host.StopAsync();

        Assert.Equal(new ImpactInOptions().MaxAttempts, options.MaxAttempts);
        Assert.Equal(new ImpactInOptions().BackoffBase, options.BackoffBase);
        Assert.Equal(new ImpactInOptions().Benevity.BaseUrl, options.Benevity.BaseUrl);
        Assert.True(options.MaxAttempts >= 1);
    }
}
