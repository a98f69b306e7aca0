using Cronos;

namespace Impact.Shared.ImpactIn;

/// <summary>
/// When a schedule runs: a preset (<c>monthly</c>, <c>quarterly</c>) or a five-field cron expression,
/// evaluated in an IANA time zone.
/// </summary>
/// <param name="Schedule">What the operator asked for.</param>
/// <param name="CronExpression">The cron expression it stands for.</param>
/// <param name="Period">The period each run reports on.</param>
/// <param name="TimeZone">The IANA time zone id.</param>
public sealed record ScheduleSpec(string Schedule, string CronExpression, PeriodKind Period, string TimeZone)
{
    /// <summary>The <c>monthly</c> preset: midnight on the first of each month.</summary>
    public const string MonthlyCron = "0 0 1 * *";

    /// <summary>The <c>quarterly</c> preset: midnight on the first day of each quarter.</summary>
    public const string QuarterlyCron = "0 0 1 1,4,7,10 *";

    /// <summary>
    /// Validates a schedule. A preset implies its period; a cron expression reports on the previous
    /// month unless <paramref name="period"/> says <c>quarter</c>. Returns field → messages on errors.
    /// </summary>
    public static ScheduleSpec Parse(string? schedule, string? timeZone, string? period, out Dictionary<string, string[]> errors)
    {
        errors = [];
        var trimmed = schedule?.Trim() ?? "";
        string cron;
        PeriodKind? kind = null;
        switch (trimmed.ToLowerInvariant())
        {
            case "":
                errors["schedule"] = ["Give 'monthly', 'quarterly' or a five-field cron expression such as '0 6 1 * *'."];
                cron = "";
                break;
            case "monthly":
                cron = MonthlyCron;
                kind = PeriodKind.Month;
                break;
            case "quarterly":
                cron = QuarterlyCron;
                kind = PeriodKind.Quarter;
                break;
            default:
                cron = trimmed;
                if (CronError(trimmed) is { } cronError)
                {
                    errors["schedule"] = [cronError];
                }

                break;
        }

        if (period is not null)
        {
            var parsed = PeriodNames.Parse(period);
            if (parsed is null)
            {
                errors["period"] = [$"'{period}' is not a period: use '{PeriodNames.Month}' or '{PeriodNames.Quarter}'."];
            }
            else if (kind is not null && parsed != kind)
            {
                errors["period"] = [$"The '{trimmed.ToLowerInvariant()}' preset reports on a {PeriodNames.Of(kind.Value)}; leave 'period' out or use a cron expression."];
            }
            else
            {
                kind = parsed;
            }
        }

        var zone = (timeZone ?? "").Trim();
        if (zone.Length == 0)
        {
            errors["timeZone"] = ["Give an IANA time zone such as 'Europe/Oslo' or 'UTC'."];
        }
        else if (FindZone(zone) is null)
        {
            errors["timeZone"] = [$"'{zone}' is not an IANA time zone known here (e.g. 'Europe/Oslo', 'America/New_York', 'UTC')."];
        }

        return new ScheduleSpec(trimmed, cron, kind ?? PeriodKind.Month, zone);
    }

    /// <summary>The time zone, which <see cref="Parse"/> has checked exists.</summary>
    public TimeZoneInfo Zone => FindZone(TimeZone) ?? throw new InvalidOperationException($"Unknown time zone '{TimeZone}'.");

    /// <summary>The first run strictly after <paramref name="after"/>.</summary>
    public DateTimeOffset NextRun(DateTimeOffset after) =>
        NextRun(CronExpression, Zone, after);

    /// <summary>The first occurrence of <paramref name="cron"/> in <paramref name="zone"/> strictly after <paramref name="after"/>.</summary>
    public static DateTimeOffset NextRun(string cron, TimeZoneInfo zone, DateTimeOffset after) =>
        Cronos.CronExpression.Parse(cron, CronFormat.Standard).GetNextOccurrence(after.ToUniversalTime(), zone)
        ?? throw new InvalidOperationException($"The cron expression '{cron}' never fires again.");

    /// <summary>An IANA time zone by id, or null. Windows ids are refused so stored ids mean the same everywhere.</summary>
    public static TimeZoneInfo? FindZone(string id) =>
        TimeZoneInfo.TryFindSystemTimeZoneById(id, out var zone) && zone.HasIanaId ? zone : null;

    private static string? CronError(string expression)
    {
        var fields = expression.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length;
        if (fields != 5)
        {
            return $"'{expression}' has {fields} field(s); a cron expression here has five: minute hour day-of-month month day-of-week (e.g. '0 6 1 * *'), or use 'monthly' / 'quarterly'.";
        }

        try
        {
            var cron = Cronos.CronExpression.Parse(expression, CronFormat.Standard);
            return cron.GetNextOccurrence(DateTime.UtcNow) is null
                ? $"'{expression}' never fires."
                : null;
        }
        catch (CronFormatException e)
        {
            return $"'{expression}' is not a valid cron expression: {e.Message}";
        }
    }
}
