using System.Text.Json;
using Impact.Shared;
using Impact.Shared.Database;
using Impact.Shared.Telemetry;
using Impact.StreamHost.Security;
using Impact.StreamHost.Streaming;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;

namespace Impact.StreamHost;

/// <summary>Builds the SSE host; <c>Program.cs</c>, the tests and the benchmark all start it this way.</summary>
public static class StreamHostApp
{
    /// <summary>The OpenTelemetry service name of the SSE host.</summary>
    public const string ServiceName = "impact-stream";

    public static WebApplication Build(string[] args, Action<WebApplicationBuilder>? configure = null)
    {
        var builder = WebApplication.CreateBuilder(new WebApplicationOptions
        {
            Args = args,
            // appsettings*.json sit next to the binary, wherever the process is started from.
            ContentRootPath = AppContext.BaseDirectory,
        });
        // The hosting layer logs each request's URL with its query, which may carry ?access_token=.
        // Keep it below Information whatever the configuration says, so a token never reaches a log.
        builder.Logging.AddFilter("Microsoft.AspNetCore.Hosting.Diagnostics", LogLevel.Warning);
        configure?.Invoke(builder);
        UseLocalServicesInDevelopment(builder);

        builder.AddCore();
        builder.AddTelemetry(ServiceName).WithTracing(t => t.AddAspNetCoreInstrumentation()).WithMetrics(m => m.AddAspNetCoreInstrumentation());
        builder.AddStreamAuthentication();
        builder.AddStreaming();
        builder.Services.AddProblemDetails();
        builder.Services.AddExceptionHandler<ProblemExceptionHandler>();

        var app = builder.Build();
        app.UseExceptionHandler();
        app.UseStatusCodePages();
        app.UseAuthentication();
        app.UseAuthorization();
        app.MapHealthChecks("/health", new HealthCheckOptions { ResponseWriter = WriteHealthAsync }).AllowAnonymous();
        app.MapStreamEndpoints();
        return app;
    }

    // `dotnet run --project src/Stream.Host` on a developer's machine: without a connection setting,
    // use the local PostgreSQL that scripts/services.sh started (.local/services.env).
    private static void UseLocalServicesInDevelopment(WebApplicationBuilder builder)
    {
        if (builder.Environment.IsDevelopment()
            && string.IsNullOrWhiteSpace(builder.Configuration[$"{PostgresOptions.Section}:{nameof(PostgresOptions.ConnectionString)}"])
            && LocalServicesFile.PostgresConnectionString() is { } local)
        {
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                [$"{PostgresOptions.Section}:{nameof(PostgresOptions.ConnectionString)}"] = local,
            });
        }
    }

    private static Task WriteHealthAsync(HttpContext context, Microsoft.Extensions.Diagnostics.HealthChecks.HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        return context.Response.WriteAsync(JsonSerializer.Serialize(new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new { status = e.Value.Status.ToString(), e.Value.Description }),
        }, JsonDefaults.Web));
    }
}
