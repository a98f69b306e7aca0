using Impact.Orchestrations.ImpactIn;
using Impact.TestSupport;
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
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [key] = value });
        builder.Services.AddImpactInServices();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(named, error.Message);
    }

    [Fact]
    public async Task AHostWithDefaultImpactInSettingsStarts()
    {
        var builder = Host.CreateApplicationBuilder();
        builder.Configuration.AddConfiguration(TestStorage.Configuration());
        builder.Services.AddImpactInServices();
        using var host = builder.Build();

        await host.StartAsync();
        await host.StopAsync();
    }
}
