using Impact.Shared.Feedback.Budgets;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace Impact.Ingest.Feedback;

/// <summary>Once a minute: closes Q2Q reservations whose process died before settling them (charged in full), and drops old rate-limit windows.</summary>
public sealed partial class Q2QBudgetSweep(Q2QBudgets budgets, ILogger<Q2QBudgetSweep> logger)
{
    [Function(nameof(ExpireQ2QReservations))]
    public async Task ExpireQ2QReservations([TimerTrigger("0 * * * * *")] TimerInfo timer, CancellationToken ct)
    {
        var expired = await budgets.ExpireStaleAsync(ct);
        if (expired > 0)
        {
            LogExpired(logger, expired);
        }
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Count} Q2Q reservations were never settled and were charged in full")]
    private static partial void LogExpired(ILogger logger, int count);
}
