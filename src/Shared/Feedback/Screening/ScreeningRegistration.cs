using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Impact.Shared.Feedback.Screening;

/// <summary>DI registration of safety screening; called by the feedback feature's registration.</summary>
public static class ScreeningRegistration
{
    /// <summary>Registers <see cref="TextScreener"/> as the singleton <see cref="ITextScreener"/> (its word lists load once).</summary>
    public static IServiceCollection AddSafetyScreening(this IServiceCollection services)
    {
        services.TryAddSingleton<ITextScreener, TextScreener>();
        return services;
    }
}
