using Impact.Shared.Privacy;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Impact.Shared.Tests.Privacy;

public sealed class PrivacyOptionsTests
{
    [Theory]
    [InlineData("Privacy:ExportsContainer", "Exports_Zips")]
    [InlineData("Privacy:ApprovalTimeout", "00:00:00")]
    [InlineData("Privacy:DownloadLinkLifetime", "30.00:00:00")]
    public async Task AnInvalidPrivacySettingStopsTheHostAtStartUp(string key, string value)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { [key] = value });
        builder.AddPrivacy();
        using var host = builder.Build();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => host.StartAsync());

        Assert.Contains(key.Split(':')[1], error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task WithoutSettingsThePrivacyDefaultsApply()
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.AddPrivacy();
        using var host = builder.Build();
        await host.StartAsync();

        var options = host.Services.GetRequiredService<IOptions<PrivacyOptions>>().Value;

        Assert.Equal(TimeSpan.FromDays(7), options.ApprovalTimeout);
        Assert.Equal("privacy-exports", options.ExportsContainer);
        await host.StopAsync();
    }
}
