using System.Globalization;

namespace Impact.Shared.ImpactIn;

/// <summary>The period of a <see cref="SchedulePreview"/>.</summary>
/// <param name="Kind">'month' or 'quarter'.</param>
/// <param name="Start">First day (yyyy-MM-dd, local).</param>
/// <param name="End">Last day, inclusive.</param>
/// <param name="TimeZone">IANA time zone of the period.</param>
/// <param name="FromUtc">Local midnight at the start, in UTC (inclusive).</param>
/// <param name="ToUtc">Local midnight after the last day, in UTC (exclusive).</param>
public sealed record SchedulePreviewPeriod(string Kind, string Start, string End, string TimeZone, DateTimeOffset FromUtc, DateTimeOffset ToUtc)
{
    /// <summary>The preview period of <paramref name="period"/> in <paramref name="timeZone"/>.</summary>
    public static SchedulePreviewPeriod Of(ReportingPeriod period, string timeZone) =>
        new(PeriodNames.Of(period.Kind), Day(period.Start), Day(period.End), timeZone, period.FromUtc, period.ToUtc);

    private static string Day(DateOnly day) => day.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);
}
