using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Impact.Orchestrations.Backfill;

public static class BackfillRegistration
{
    /// <summary>The backfill orchestrator and its activities.</summary>
    public static DurableTaskRegistry AddBackfill(this DurableTaskRegistry registry) => registry
        .AddOrchestrator<BackfillOrchestrator>()
        .AddActivity<ImportBackfillChunk>()
        .AddActivity<MarkBackfillFailed>();

    /// <summary><see cref="BackfillOptions"/>, validated at start-up.</summary>
    public static IHostApplicationBuilder AddBackfillServices(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<BackfillOptions>()
            .BindConfiguration(BackfillOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        return builder;
    }
}
