using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Impact.StreamHost.Streaming;

public static class StreamingRegistration
{
    public static WebApplicationBuilder AddStreaming(this WebApplicationBuilder builder)
    {
        builder.Services.AddOptions<StreamOptions>()
            .BindConfiguration(StreamOptions.Section)
            .ValidateDataAnnotations()
            .ValidateOnStart();
        builder.Services.AddSingleton<StreamHub>();
        builder.Services.AddHostedService<EventFeed>();
        builder.Services.AddHostedService<StreamingSwitch>();
        builder.Services.AddSingleton<EventRetention>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<EventRetention>());
        builder.Services.AddHealthChecks().AddCheck<EventFeedHealthCheck>("event-feed", HealthStatus.Unhealthy);
        return builder;
    }
}
