using Azure.Core;
using Azure.Identity;
using Azure.Monitor.OpenTelemetry.Exporter;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Logs;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Impact.Shared.Telemetry;

/// <summary>OpenTelemetry for a host of this solution: traces, metrics and logs, and their exporters.</summary>
public static class TelemetryRegistration
{
    /// <summary>
    /// Traces (<see cref="ImpactTelemetry.Source"/>, outgoing HTTP, Npgsql), metrics (<see cref="ImpactTelemetry.Meter"/>,
    /// HTTP client, Npgsql) and logs, named <paramref name="serviceName"/>; exported over OTLP when
    /// <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set, to Azure Monitor when <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> is
    /// set, to the console when <c>Telemetry:Console</c> is true. Returns the builder for a host's own additions.
    /// </summary>
    public static OpenTelemetryBuilder AddTelemetry(this IHostApplicationBuilder builder, string serviceName)
    {
        var config = builder.Configuration;
        var otlp = !string.IsNullOrWhiteSpace(config[TelemetryOptions.OtlpEndpointSetting]);
        var azureMonitor = config[TelemetryOptions.AzureMonitorSetting] is { Length: > 0 } connectionString ? connectionString : null;
        var console = config.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>()?.Console ?? false;

        var otel = builder.Services.AddOpenTelemetry()
            .ConfigureResource(r => r.AddService(serviceName))
            .WithLogging(_ => { }, o =>
            {
                o.IncludeScopes = true;
                o.IncludeFormattedMessage = true;
            })
            .WithTracing(t => t.AddSource(ImpactTelemetry.Name).AddHttpClientInstrumentation().AddNpgsql())
            .WithMetrics(m => m.AddMeter(ImpactTelemetry.Name).AddHttpClientInstrumentation().AddNpgsqlInstrumentation());
        if (otlp)
        {
            otel.WithTracing(t => t.AddOtlpExporter()).WithMetrics(m => m.AddOtlpExporter()).WithLogging(l => l.AddOtlpExporter());
        }

        if (azureMonitor is not null)
        {
            // With Authorization=AAD (Bicep sets it for the Functions app) telemetry is sent as the managed identity.
            TokenCredential? credential = config[TelemetryOptions.AzureMonitorAuthenticationSetting]?.Contains("Authorization=AAD", StringComparison.OrdinalIgnoreCase) == true
                ? new ManagedIdentityCredential(config["AZURE_CLIENT_ID"] is { Length: > 0 } clientId
                    ? ManagedIdentityId.FromUserAssignedClientId(clientId)
                    : ManagedIdentityId.SystemAssigned)
                : null;
            void Configure(AzureMonitorExporterOptions o)
            {
                o.ConnectionString = azureMonitor;
                o.Credential = credential;
            }

            otel.WithTracing(t => t.AddAzureMonitorTraceExporter(Configure))
                .WithMetrics(m => m.AddAzureMonitorMetricExporter(Configure))
                .WithLogging(l => l.AddAzureMonitorLogExporter(Configure));
        }

        if (console)
        {
            otel.WithTracing(t => t.AddConsoleExporter()).WithMetrics(m => m.AddConsoleExporter()).WithLogging(l => l.AddConsoleExporter());
        }

        return otel;
    }
}
