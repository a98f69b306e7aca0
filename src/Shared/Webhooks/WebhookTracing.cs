using System.Diagnostics;
using Impact.Shared.Telemetry;

namespace Impact.Shared.Webhooks;

/// <summary>
/// The spans of a webhook's way through the app: receipt (a child of the HTTP request's span) and processing (a
/// child of the receipt, through the <c>traceparent</c> the queue message carries; linked to the queue trigger's
/// own span), so one trace shows HTTP → queue → processing.
/// </summary>
public static class WebhookTracing
{
    /// <summary>Starts the receipt span of a delivery (null when nobody listens).</summary>
    public static Activity? StartReceive(string source, string kind, string deliveryId) =>
        ImpactTelemetry.Source.StartActivity($"{source} webhook receive", ActivityKind.Internal, parentContext: default,
            tags: Tags(source, kind, deliveryId));

    /// <summary>
    /// Starts the processing span of <paramref name="message"/>: a child of the trace it carries, or of the current
    /// span for a message without one (written before messages carried it, or by a process that was not traced).
    /// </summary>
    public static Activity? StartProcessing(WebhookMessage message)
    {
        if (!ActivityContext.TryParse(message.TraceParent, null, isRemote: true, out var parent))
        {
            return ImpactTelemetry.Source.StartActivity($"{message.Source} webhook process", ActivityKind.Consumer, parentContext: default,
                tags: Tags(message.Source, null, message.DeliveryId));
        }

        IEnumerable<ActivityLink>? links = Activity.Current is { } trigger ? [new ActivityLink(trigger.Context)] : null;
        return ImpactTelemetry.Source.StartActivity($"{message.Source} webhook process", ActivityKind.Consumer, parent,
            Tags(message.Source, null, message.DeliveryId), links);
    }

    private static KeyValuePair<string, object?>[] Tags(string source, string? kind, string deliveryId) =>
        kind is null
            ? [new("impact.webhook.source", source), new("impact.webhook.delivery_id", deliveryId)]
            : [new("impact.webhook.source", source), new("impact.webhook.kind", kind), new("impact.webhook.delivery_id", deliveryId)];
}
