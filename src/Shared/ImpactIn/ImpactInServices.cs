using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Impact.Shared.ImpactIn;

/// <summary>Registers Impact-In's options, SQL and partner connectors.</summary>
public static class ImpactInServices
{
    /// <summary>
    /// Binds and validates <see cref="ImpactInOptions"/> at start-up and registers the stores,
    /// connectors and the named partner <see cref="HttpClient"/>. Safe to call more than once.
    /// </summary>
    public static IServiceCollection AddImpactIn(this IServiceCollection services)
    {
        if (services.Any(d => d.ServiceType == typeof(PartnerConnectors)))
        {
            return services;
        }

        services.AddOptions<ImpactInOptions>()
            .BindConfiguration(ImpactInOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<ImpactInOptions>, PartnerSettingsValidator>();
        services.AddHttpClient(PartnerConnector.HttpClientName, (sp, client) =>
            client.Timeout = sp.GetRequiredService<IOptions<ImpactInOptions>>().Value.HttpTimeout);
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton<OAuthTokenCache>();
        services.AddSingleton<BenevityConnector>();
        services.AddSingleton<GooderaConnector>();
        services.AddSingleton<WorkdayConnector>();
        services.AddSingleton<PartnerConnectors>();
        services.AddSingleton<ScheduleStore>();
        services.AddSingleton<DeliveryStore>();
        return services;
    }
}

/// <summary>Fails start-up when a partner URL or limit is wrong, naming each setting.</summary>
internal sealed class PartnerSettingsValidator : IValidateOptions<ImpactInOptions>
{
    public ValidateOptionsResult Validate(string? name, ImpactInOptions options) =>
        options.PartnerErrors() is { Count: > 0 } errors ? ValidateOptionsResult.Fail(errors) : ValidateOptionsResult.Success;
}
