using Impact.Shared.ImpactIn;
using Microsoft.DurableTask;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Impact.Orchestrations.ImpactIn;

/// <summary>Impact-In's orchestrator, activities and services.</summary>
public static class ImpactInRegistration
{
    /// <summary>Registers the delivery orchestrator and its activities.</summary>
    public static DurableTaskRegistry AddImpactIn(this DurableTaskRegistry registry) => registry
        .AddOrchestrator<ImpactInDeliveryOrchestrator>()
        .AddActivity<PrepareImpactInDelivery>()
        .AddActivity<SendImpactInAttempt>()
        .AddActivity<CompleteImpactInDelivery>();

    /// <summary>Options, stores, connectors and the starter.</summary>
    public static IServiceCollection AddImpactInServices(this IServiceCollection services)
    {
        services.AddImpactIn();
        services.TryAddSingleton<ImpactInDeliveryStarter>();
        return services;
    }
}
