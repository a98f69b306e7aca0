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
