using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Impact.Shared.Webhooks;

/// <summary>The webhooks feature's registration.</summary>
public static class WebhooksRegistration
{
    /// <summary><see cref="WebhookOptions"/> and <see cref="WebhookQueueOptions"/> (validated at start-up), the stores, the queue, receiver, processor and queue worker.</summary>
    public static IHostApplicationBuilder AddWebhooks(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<WebhookOptions>()
            .BindConfiguration(WebhookOptions.Section)
            .ValidateDataAnnotations()
            .Validate(o => o.Kintell.Keys().Count > 0, "Webhooks:Kintell:Secrets must name at least one secret.")
            .Validate(o => o.TransientRetryMaxSeconds >= o.TransientRetryFirstSeconds,
                "Webhooks:TransientRetryMaxSeconds must be at least Webhooks:TransientRetryFirstSeconds.")
            .ValidateOnStart();
        builder.Services.AddOptions<WebhookQueueOptions>()
            .Bind(builder.Configuration)
            .ValidateDataAnnotations()
            .ValidateOnStart();

        builder.Services.AddSingleton<WebhookDeliveries>();
        builder.Services.AddSingleton<WebhookQueue>();
        builder.Services.AddSingleton<WebhookReceiver>();
        builder.Services.AddSingleton<KintellProcessor>();
        builder.Services.AddSingleton<DeadLetters>();
        builder.Services.AddSingleton<WebhookQueueWorker>();
        return builder;
    }
}
