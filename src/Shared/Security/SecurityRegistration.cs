using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Impact.Shared.Security;

/// <summary>The bearer-token feature's registration.</summary>
public static class SecurityRegistration
{
    /// <summary><see cref="JwtOptions"/> (validated at start-up) and <see cref="BearerTokens"/>.</summary>
    public static IHostApplicationBuilder AddBearerTokens(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<JwtOptions>()
            .BindConfiguration(JwtOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<BearerTokens>();
        return builder;
    }
}
