using Impact.Orchestrations;
using Impact.Shared;
using Impact.Ingest.Webhooks;
using Impact.Ingest.ImpactIn;
using Impact.Shared.Privacy;
using Microsoft.Extensions.Hosting;

namespace Impact.Ingest;

public static class IngestRegistration
{
    /// <summary>
    /// Every service the Functions app registers besides the Functions and Durable workers: shared
    /// infrastructure, the orchestrations' services and the app's own features. Program.cs, the
    /// tests' hosts and the benchmarks all call this, so they run the same registrations.
    /// </summary>
    public static IHostApplicationBuilder AddFunctionsAppServices(this IHostApplicationBuilder builder)
    {
        builder.AddShared();
        builder.AddOrchestrationServices();
        builder.AddIngestFunctions();
        return builder;
    }

    /// <summary>Options and services of the Functions app's own features.</summary>
    public static IHostApplicationBuilder AddIngestFunctions(this IHostApplicationBuilder builder)
    {
        builder.AddWebhooks();
        builder.AddImpactInFunctions();
        builder.Services.AddPrivacyOptions();
        return builder;
    }
}
