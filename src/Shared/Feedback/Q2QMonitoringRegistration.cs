using Impact.Shared.Feedback.Drift;
using Impact.Shared.Feedback.Evaluation;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Impact.Shared.Feedback;

/// <summary>The Q2Q evaluation and drift registration (SPEC §I).</summary>
public static class Q2QMonitoringRegistration
{
    /// <summary><see cref="DriftOptions"/> (validated at start-up), the evaluation runs and the drift monitor.</summary>
    public static IHostApplicationBuilder AddQ2QMonitoring(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DriftOptions>().BindConfiguration(DriftOptions.Section).ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddSingleton<EvaluationRuns>();
        builder.Services.AddSingleton<DriftMonitor>();
        return builder;
    }
}
