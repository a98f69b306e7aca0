using Impact.Ingest.Webhooks;
using Impact.Ingest.ImpactIn;
using Impact.Shared.Privacy;
using Microsoft.Extensions.Hosting;

namespace Impact.Ingest;

public static class IngestRegistration
{
    /// <summary>Options and services of the Functions app's own features.</summary>
    public static IHostApplicationBuilder AddIngestFunctions(this IHostApplicationBuilder builder)
    {
        builder.AddWebhooks();
        builder.AddImpactInFunctions();
        builder.Services.AddPrivacyOptions();
        return builder;
    }
}
