using Impact.Ingest.Http;
using Impact.Shared;
using Impact.Shared.Security;
using Impact.Shared.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Impact.Ingest;

public static class IngestRegistration
{
    /// <summary>The OpenTelemetry service name of the Functions app.</summary>
    public const string ServiceName = "impact-functions";

    /// <summary>
    /// Every service the Functions app registers besides the Functions and Durable workers.
    /// Program.cs, the tests' hosts and the benchmarks all call this, so they run the same registrations.
    /// </summary>
    public static IHostApplicationBuilder AddFunctionsAppServices(this IHostApplicationBuilder builder)
    {
        builder.AddShared();
        builder.AddTelemetry(ServiceName);
        builder.AddBearerTokens();
        builder.RefuseDevelopmentSecretsOutsideDevelopment();
        builder.Services.AddSingleton<ApiAccess>();
        builder.Services.AddSingleton<IdempotentRequests>();
        return builder;
    }
}
