using Azure.Messaging.ServiceBus;
using Impact.Shared.Events;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Impact.Ingest.Events;

/// <summary>Publishes domain events to the Service Bus topic when one is configured (off locally).</summary>
public sealed partial class EventRelay(ServiceBusRelay relay, IOptions<ServiceBusOptions> options, IServiceProvider services, ILogger<EventRelay> logger)
{
    private const int MaxBatchesPerRun = 50;

    [Function(nameof(RelayEventsToServiceBus))]
    public async Task RelayEventsToServiceBus([TimerTrigger("*/10 * * * * *")] TimerInfo timer, CancellationToken ct)
    {
        if (services.GetService<ServiceBusSender>() is not { } sender)
        {
            return;
        }

        var total = 0;
        for (var i = 0; i < MaxBatchesPerRun; i++)
        {
            var sent = await relay.RelayOnceAsync(sender, options.Value.BatchSize, ct);
            total += sent;
            if (sent < options.Value.BatchSize)
            {
                break;
            }
        }

        if (total > 0)
        {
            LogRelayed(logger, total, options.Value.Topic);
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Relayed {Count} events to topic {Topic}")]
    private static partial void LogRelayed(ILogger logger, int count, string topic);
}
