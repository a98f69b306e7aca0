namespace Impact.Shared.ImpactIn;

/// <summary>
/// The period a run reports on: dates as the company sees them (in the schedule's time zone) and the
/// UTC instants the metrics query uses.
/// </summary>
/// <param name="Kind">Month or quarter.</param>
/// <param name="Start">First day, local.</param>
/// <param name="End">Last day, local, inclusive.</param>
/// <param name="FromUtc">Local midnight at the start, in UTC (inclusive).</param>
/// <param name="ToUtc">Local midnight after the last day, in UTC (exclusive).</param>
public sealed record ReportingPeriod(PeriodKind Kind, DateOnly Start, DateOnly End, DateTimeOffset FromUtc, DateTimeOffset ToUtc)
{
    /// <summary>
    /// The complete month or quarter before the one that contains <paramref name="runAt"/> in
    /// <paramref name="zone"/>. A run at 00:00 UTC on 1 April is still 31 March in New York, so it
    /// reports February there.
    /// </summary>
    public static ReportingPeriod Previous(DateTimeOffset runAt, TimeZoneInfo zone, PeriodKind kind)
    {
        var local = TimeZoneInfo.ConvertTime(runAt, zone);
        var months = Months(kind);
        var currentStart = new DateOnly(local.Year, (local.Month - 1) / months * months + 1, 1);
        var start = currentStart.AddMonths(-months);
        return new ReportingPeriod(kind, start, currentStart.AddDays(-1), LocalMidnight(start, zone), LocalMidnight(currentStart, zone));
    }

    /// <summary>Rebuilds a stored period.</summary>
    public static ReportingPeriod Of(PeriodKind kind, DateOnly start, TimeZoneInfo zone)
    {
        var next = start.AddMonths(Months(kind));
        return new ReportingPeriod(kind, start, next.AddDays(-1), LocalMidnight(start, zone), LocalMidnight(next, zone));
    }

    /// <summary>The instant a local day begins. Where midnight falls in a DST gap the day begins when the clocks jump; where it repeats, at its first occurrence.</summary>
    public static DateTimeOffset LocalMidnight(DateOnly day, TimeZoneInfo zone)
    {
        var local = day.ToDateTime(TimeOnly.MinValue, DateTimeKind.Unspecified);
        while (zone.IsInvalidTime(local))
        {
            local = local.AddMinutes(15);
        }

        var offset = zone.IsAmbiguousTime(local) ? zone.GetAmbiguousTimeOffsets(local).Max() : zone.GetUtcOffset(local);
        return new DateTimeOffset(local, offset).ToUniversalTime();
    }

    private static int Months(PeriodKind kind) => kind == PeriodKind.Month ? 1 : 3;
}
