using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Impact.Shared.ImpactIn;

/// <summary>The Impact-In feature's registration.</summary>
public static class ImpactInRegistration
{
    /// <summary>
    /// Binds and validates <see cref="ImpactInOptions"/> at start-up and registers the stores,
    /// connectors and the named partner <see cref="HttpClient"/>.
    /// </summary>
    public static IHostApplicationBuilder AddImpactIn(this IHostApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<ImpactInOptions>()
            .BindConfiguration(ImpactInOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<ImpactInOptions>>(new PartnerSettingsValidator(builder.Environment.IsDevelopment()));
        services.AddHttpClient(PartnerConnector.HttpClientName, (sp, client) =>
            client.Timeout = sp.GetRequiredService<IOptions<ImpactInOptions>>().Value.HttpTimeout);
        services.AddSingleton<OAuthTokenCache>();
        services.AddSingleton<BenevityConnector>();
        services.AddSingleton<GooderaConnector>();
        services.AddSingleton<WorkdayConnector>();
        services.AddSingleton<PartnerConnectors>();
        services.AddSingleton<ScheduleStore>();
        services.AddSingleton<DeliveryStore>();
        return builder;
    }
}

/// <summary>
/// Fails start-up when a partner URL or limit is wrong, naming each setting; outside the Development environment
/// a plain-http partner URL (other than loopback) is wrong.
/// </summary>
internal sealed class PartnerSettingsValidator(bool development) : IValidateOptions<ImpactInOptions>
{
    public ValidateOptionsResult Validate(string? name, ImpactInOptions options) =>
        options.PartnerErrors(development) is { Count: > 0 } errors ? ValidateOptionsResult.Fail(errors) : ValidateOptionsResult.Success;
}
