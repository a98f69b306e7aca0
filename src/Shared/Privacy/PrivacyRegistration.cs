using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Impact.Shared.Privacy;

/// <summary>The privacy feature's registration.</summary>
public static class PrivacyRegistration
{
    /// <summary><see cref="PrivacyOptions"/> (validated at start-up), the request store and views, the export and the erasure.</summary>
    public static IHostApplicationBuilder AddPrivacy(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<PrivacyOptions>()
            .BindConfiguration(PrivacyOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<PrivacyRequestStore>();
        builder.Services.AddSingleton<PrivacyRequestViews>();
        builder.Services.AddSingleton<PrivacyExport>();
        builder.Services.AddSingleton<PrivacyErasure>();
        return builder;
    }
}
