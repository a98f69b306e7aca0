using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Impact.Shared.Backfill;

/// <summary>The backfill feature's registration.</summary>
public static class BackfillRegistration
{
    /// <summary>
    /// <see cref="BackfillOptions"/>, validated at start-up; the job store, the upload service, the chunk importer and the orphan sweep.
    /// </summary>
    public static IHostApplicationBuilder AddBackfill(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<BackfillOptions>()
            .BindConfiguration(BackfillOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<BackfillJobStore>();
        builder.Services.AddSingleton<BackfillUploads>();
        builder.Services.AddSingleton<BackfillChunkImporter>();
        builder.Services.AddSingleton<BackfillOrphans>();
        return builder;
    }
}
