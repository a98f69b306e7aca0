using Impact.Orchestrations.Backfill;
using Impact.Orchestrations.ImpactIn;
using Impact.Orchestrations.Privacy;
using Microsoft.DurableTask;
using Microsoft.Extensions.Hosting;

namespace Impact.Orchestrations;

/// <summary>
/// The one place orchestrators and activities are registered. The Functions app calls it from
/// <c>ConfigureDurableWorker().AddTasks(...)</c>; tests call it on their durable test hosts.
/// </summary>
public static class OrchestrationsRegistration
{
    /// <summary>Registers every orchestrator and activity class of this project.</summary>
    public static DurableTaskRegistry AddOrchestrations(this DurableTaskRegistry registry)
    {
        registry.AddBackfill();
        registry.AddImpactIn();
        registry.AddPrivacyTasks();
        return registry;
    }

    /// <summary>Registers the options and services the activities need.</summary>
    public static IHostApplicationBuilder AddOrchestrationServices(this IHostApplicationBuilder builder)
    {
        builder.AddBackfillServices();
        builder.Services.AddImpactInServices();
        builder.Services.AddPrivacyServices();
        return builder;
    }
}
