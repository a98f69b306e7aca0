using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Impact.Shared.Journeys;

/// <summary>The journeys feature's registration.</summary>
public static class JourneysRegistration
{
    /// <summary><see cref="JourneyOptions"/> (validated at start-up), the rule store, the evaluator and the per-user reads.</summary>
    public static IHostApplicationBuilder AddJourneys(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<JourneyOptions>()
            .BindConfiguration(JourneyOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<JourneyRuleStore>();
        builder.Services.AddSingleton<JourneyEvaluator>();
        builder.Services.AddSingleton<JourneyUserStore>();
        return builder;
    }
}
