using Impact.Orchestrations.ImpactIn;
using Microsoft.Extensions.Hosting;

namespace Impact.Ingest.ImpactIn;

/// <summary>Services the Impact-In functions use (the same ones the activities use).</summary>
public static class ImpactInFunctionsRegistration
{
    /// <summary>Options, stores, connectors and the orchestration starter.</summary>
    public static IHostApplicationBuilder AddImpactInFunctions(this IHostApplicationBuilder builder)
    {
        builder.Services.AddImpactInServices();
        return builder;
    }
}
