using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Impact.Shared.Cohorts;

/// <summary>The cohorts feature's registration.</summary>
public static class CohortsRegistration
{
    /// <summary><see cref="CohortOptions"/> (validated at start-up), the cohort store, the metrics reads and the refresher.</summary>
    public static IHostApplicationBuilder AddCohorts(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<CohortOptions>()
            .BindConfiguration(CohortOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<CohortStore>();
        builder.Services.AddSingleton<CohortMetricsStore>();
        builder.Services.AddSingleton<CohortRefresher>();
        return builder;
    }
}
