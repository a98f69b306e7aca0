using Impact.Orchestrations.Backfill;
using Impact.Orchestrations.ImpactIn;
using Impact.Orchestrations.Privacy;
using Microsoft.DurableTask;

namespace Impact.Orchestrations;

/// <summary>
/// The one place orchestrators and activities are registered. The Functions app calls it from
/// <c>ConfigureDurableWorker().AddTasks(...)</c>; tests and the durable harness call it on their
/// workers. The services the activities use come from <c>AddShared()</c>.
/// </summary>
public static class OrchestrationsRegistration
{
    /// <summary>Registers every orchestrator and activity class of this project.</summary>
    public static DurableTaskRegistry AddOrchestrations(this DurableTaskRegistry registry) => registry
        // Backfill
        .AddOrchestrator<BackfillOrchestrator>()
        .AddActivity<ImportBackfillChunk>()
        .AddActivity<MarkBackfillFailed>()
        // Privacy
        .AddOrchestrator<PrivacyExportOrchestrator>()
        .AddOrchestrator<PrivacyDeletionOrchestrator>()
        .AddActivity<WritePrivacyExport>()
        .AddActivity<ErasePersonalData>()
        .AddActivity<ExpirePrivacyRequest>()
        .AddActivity<FailPrivacyRequest>()
        // Impact-In
        .AddOrchestrator<ImpactInDeliveryOrchestrator>()
        .AddActivity<PrepareImpactInDelivery>()
        .AddActivity<SendImpactInAttempt>()
        .AddActivity<CompleteImpactInDelivery>();
}
