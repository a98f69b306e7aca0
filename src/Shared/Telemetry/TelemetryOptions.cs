namespace Impact.Shared.Telemetry;

/// <summary>
/// Where traces, metrics and logs go. The standard variables decide: <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> (OTLP,
/// e.g. a local collector), <c>APPLICATIONINSIGHTS_CONNECTION_STRING</c> (Azure Monitor); <c>Telemetry__Console</c>
/// prints them to the console. None set: nothing is exported.
/// </summary>
public sealed record TelemetryOptions
{
    /// <summary>The configuration section.</summary>
    public const string Section = "Telemetry";

    /// <summary>The OTLP endpoint variable the OTLP exporter reads.</summary>
    public const string OtlpEndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";

    /// <summary>The Application Insights connection string variable.</summary>
    public const string AzureMonitorSetting = "APPLICATIONINSIGHTS_CONNECTION_STRING";

    /// <summary>How the app authenticates to Application Insights (<c>Authorization=AAD</c>: with the managed identity of <c>AZURE_CLIENT_ID</c>).</summary>
    public const string AzureMonitorAuthenticationSetting = "APPLICATIONINSIGHTS_AUTHENTICATION_STRING";

    /// <summary>Also write every span, metric and log record to the console (local debugging).</summary>
    public bool Console { get; init; }
}
