using Impact.Shared.Feedback.Pipeline;
using Impact.Shared.Storage;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace Impact.Ingest.Feedback;

/// <summary>
/// The text pipeline's triggers: the text-screening queue (one or a batch of text ids per message), its poison queue,
/// and the outbox sweeper that queues texts left <c>received</c> (backfills, or a queue outage) in batches.
/// </summary>
public sealed partial class TextPipelineTriggers(TextProcessor processor, TextOutbox outbox, ILogger<TextPipelineTriggers> logger)
{
    [Function(nameof(ProcessText))]
    public async Task ProcessText(
        [QueueTrigger(TextQueue.TriggerQueue, Connection = StorageClients.ConnectionName)] string message, CancellationToken ct)
    {
        // The message's texts are processed as one batch, each idempotently: on a retry the finished ones are skipped.
        var outcomes = await processor.ProcessManyAsync(TextQueue.Parse(message).TextIds, ct);
        foreach (var (id, outcome) in outcomes)
        {
            if (outcome == TextProcessOutcome.NotFound)
            {
                LogNotFound(logger, id);
            }
        }
    }

    [Function(nameof(DeadLetterText))]
    public async Task DeadLetterText(
        [QueueTrigger(TextQueue.TriggerPoisonQueue, Connection = StorageClients.ConnectionName)] string message, CancellationToken ct)
    {
        var failed = await processor.MarkFailedAsync(TextQueue.Parse(message).TextIds, ct);
        if (failed > 0)
        {
            LogFailed(logger, failed);
        }
    }

    [Function(nameof(SweepTextOutbox))]
    public async Task SweepTextOutbox([TimerTrigger("*/10 * * * * *")] TimerInfo timer, CancellationToken ct)
    {
        // Bounded per tick: a million backfilled texts are queued over many ticks, never in one long transaction.
        var total = 0;
        for (var round = 0; round < 10 && !ct.IsCancellationRequested; round++)
        {
            var swept = await outbox.SweepAsync(ct);
            total += swept;
            if (swept == 0)
            {
                break;
            }
        }

        if (total > 0)
        {
            LogSwept(logger, total);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Text {TextId} not found; message dropped")]
    private static partial void LogNotFound(ILogger logger, Guid textId);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Count} texts failed repeatedly and were marked failed")]
    private static partial void LogFailed(ILogger logger, int count);

    [LoggerMessage(Level = LogLevel.Information, Message = "Text outbox sweep queued {Count} texts")]
    private static partial void LogSwept(ILogger logger, int count);
}
