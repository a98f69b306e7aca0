using Impact.Shared.Privacy;
using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;

namespace Impact.Orchestrations.Privacy;

/// <summary>Registration of the privacy orchestrations, activities and the services they use.</summary>
public static class PrivacyTasks
{
    /// <summary>Transient failures (a dropped connection, a storage hiccup) are retried a few times.</summary>
    internal static readonly TaskOptions Retry = TaskOptions.FromRetryPolicy(new RetryPolicy(
        maxNumberOfAttempts: 3, firstRetryInterval: TimeSpan.FromSeconds(1), backoffCoefficient: 2));

    public static DurableTaskRegistry AddPrivacyTasks(this DurableTaskRegistry registry) => registry
        .AddOrchestrator<PrivacyExportOrchestrator>()
        .AddOrchestrator<PrivacyDeletionOrchestrator>()
        .AddActivity<WritePrivacyExport>()
        .AddActivity<ErasePersonalData>()
        .AddActivity<ExpirePrivacyRequest>()
        .AddActivity<FailPrivacyRequest>();

    /// <summary>Options and the export/erasure services the activities need (NpgsqlDataSource etc. come from AddShared).</summary>
    public static IServiceCollection AddPrivacyServices(this IServiceCollection services)
    {
        services.AddPrivacyOptions();
        services.AddSingleton<PrivacyExport>();
        services.AddSingleton<PrivacyErasure>();
        return services;
    }
}
