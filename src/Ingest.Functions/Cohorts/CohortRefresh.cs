using Impact.Shared.Cohorts;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Extensions.Logging;

namespace Impact.Ingest.Cohorts;

/// <summary>
/// Timers of the cohort refresher: every 10 s follow new events and recompute the periods they changed; once a night
/// rebuild every cohort (members and all periods), which also catches a session moved to another month.
/// </summary>
public sealed partial class CohortRefresh(CohortRefresher refresher, ILogger<CohortRefresh> logger)
{
    [Function(nameof(RefreshCohorts))]
    public async Task RefreshCohorts([TimerTrigger("*/10 * * * * *")] TimerInfo timer, CancellationToken ct)
    {
        var pass = await refresher.RefreshAsync(ct);
        if (pass.MembershipChanges > 0 || pass.Recomputed.Count > 0)
        {
            LogPass(logger, pass.Events, pass.MembershipChanges, pass.Recomputed.Count);
        }
    }

    [Function(nameof(RebuildCohortsNightly))]
    public async Task RebuildCohortsNightly([TimerTrigger("0 50 2 * * *")] TimerInfo timer, CancellationToken ct)
    {
        var pass = await refresher.RebuildAllAsync(ct);
        LogPass(logger, pass.Events, pass.MembershipChanges, pass.Recomputed.Count);
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Cohorts: {Events} events, {Members} membership changes, {Periods} periods recomputed")]
    private static partial void LogPass(ILogger logger, int events, int members, int periods);
}
