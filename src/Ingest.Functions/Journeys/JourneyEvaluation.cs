using Impact.Shared.Journeys;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace Impact.Ingest.Journeys;

/// <summary>Timers of the journey evaluator: follow new events every 10 s; once a day re-evaluate everyone for rules that change with time alone.</summary>
public sealed partial class JourneyEvaluation(JourneyEvaluator evaluator, ILogger<JourneyEvaluation> logger)
{
    [Function(nameof(EvaluateJourneys))]
    public async Task EvaluateJourneys([TimerTrigger("*/10 * * * * *")] TimerInfo timer, CancellationToken ct)
    {
        var pass = await evaluator.RunToEndAsync(ct);
        if (pass.Changes > 0)
        {
            LogPass(logger, pass.Events, pass.Users, pass.Changes);
        }
    }

    [Function(nameof(EvaluateJourneysDaily))]
    public async Task EvaluateJourneysDaily([TimerTrigger("0 30 2 * * *")] TimerInfo timer, CancellationToken ct)
    {
        var changes = await evaluator.EvaluateAllAsync(null, ct);
        LogDaily(logger, changes);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Journeys: {Events} events, {Users} users evaluated, {Changes} flag/milestone changes")]
    private static partial void LogPass(ILogger logger, int events, int users, int changes);

    [LoggerMessage(Level = LogLevel.Information, Message = "Journeys daily evaluation: {Changes} flag/milestone changes")]
    private static partial void LogDaily(ILogger logger, int changes);
}
