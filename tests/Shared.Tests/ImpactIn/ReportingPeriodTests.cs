using Impact.Shared.ImpactIn;

namespace Impact.Shared.Tests.ImpactIn;

public sealed class ReportingPeriodTests
{
    [Theory]
    // kind, zone, run at (UTC), first day, last day, from (UTC), to (UTC)
    [InlineData("month", "UTC", "2026-04-01T00:00:00Z", "2026-03-01", "2026-03-31", "2026-03-01T00:00:00Z", "2026-04-01T00:00:00Z")]
    // Oslo: 1 April 00:00 CEST is 31 March 22:00 UTC; March starts in CET (+1) and ends in CEST (+2) after the 29 March change.
    [InlineData("month", "Europe/Oslo", "2026-03-31T22:00:00Z", "2026-03-01", "2026-03-31", "2026-02-28T23:00:00Z", "2026-03-31T22:00:00Z")]
    // New York: November 2026 spans the end of DST on 1 November (EDT -4 → EST -5).
    [InlineData("month", "America/New_York", "2026-12-01T05:00:00Z", "2026-11-01", "2026-11-30", "2026-11-01T04:00:00Z", "2026-12-01T05:00:00Z")]
    // 00:00 UTC on 1 April is still 31 March in Los Angeles: the previous complete month there is February.
    [InlineData("month", "America/Los_Angeles", "2026-04-01T00:00:00Z", "2026-02-01", "2026-02-28", "2026-02-01T08:00:00Z", "2026-03-01T08:00:00Z")]
    // Tokyo is already in March when UTC is still in February.
    [InlineData("month", "Asia/Tokyo", "2026-02-28T15:00:00Z", "2026-02-01", "2026-02-28", "2026-01-31T15:00:00Z", "2026-02-28T15:00:00Z")]
    [InlineData("month", "UTC", "2026-01-01T00:00:00Z", "2025-12-01", "2025-12-31", "2025-12-01T00:00:00Z", "2026-01-01T00:00:00Z")]
    [InlineData("month", "UTC", "2028-03-01T00:00:00Z", "2028-02-01", "2028-02-29", "2028-02-01T00:00:00Z", "2028-03-01T00:00:00Z")]
    [InlineData("quarter", "UTC", "2026-01-01T00:00:00Z", "2025-10-01", "2025-12-31", "2025-10-01T00:00:00Z", "2026-01-01T00:00:00Z")]
    // Sydney: Q2 starts in AEDT (+11, DST ends 5 April) and ends in AEST (+10).
    [InlineData("quarter", "Australia/Sydney", "2026-06-30T14:00:00Z", "2026-04-01", "2026-06-30", "2026-03-31T13:00:00Z", "2026-06-30T14:00:00Z")]
    // Berlin: Q1 ends after the 29 March change to CEST.
    [InlineData("quarter", "Europe/Berlin", "2026-03-31T22:00:00Z", "2026-01-01", "2026-03-31", "2025-12-31T23:00:00Z", "2026-03-31T22:00:00Z")]
    // A run in the middle of a quarter reports on the previous complete quarter.
    [InlineData("quarter", "America/New_York", "2026-08-15T12:00:00Z", "2026-04-01", "2026-06-30", "2026-04-01T04:00:00Z", "2026-07-01T04:00:00Z")]
    // Santiago: clocks jump from 24:00 to 01:00 on 6 September 2026, so September 6 has no midnight; periods still start on the 1st.
    [InlineData("month", "America/Santiago", "2026-10-01T03:00:00Z", "2026-09-01", "2026-09-30", "2026-09-01T04:00:00Z", "2026-10-01T03:00:00Z")]
    public void PreviousPeriodIsTheCompleteMonthOrQuarterBeforeTheRunInTheSchedulesTimeZone(
        string kind, string zone, string runAt, string start, string end, string fromUtc, string toUtc)
    {
        var period = ReportingPeriod.Previous(DateTimeOffset.Parse(runAt), ScheduleSpec.FindZone(zone)!,
            kind == "month" ? PeriodKind.Month : PeriodKind.Quarter);

        Assert.Equal(DateOnly.Parse(start), period.Start);
        Assert.Equal(DateOnly.Parse(end), period.End);
        Assert.Equal(DateTimeOffset.Parse(fromUtc), period.FromUtc);
        Assert.Equal(DateTimeOffset.Parse(toUtc), period.ToUtc);
    }

    [Fact]
    public void ADayWhoseMidnightFallsInADaylightSavingGapBeginsWhenTheClocksJump()
    {
        // Santiago skips 00:00–01:00 on 6 September 2026 (UTC-4 → UTC-3): the day begins at 01:00 local = 04:00 UTC.
        var start = ReportingPeriod.LocalMidnight(new DateOnly(2026, 9, 6), ScheduleSpec.FindZone("America/Santiago")!);

        Assert.Equal(DateTimeOffset.Parse("2026-09-06T04:00:00Z"), start);
    }

    [Theory]
    // Presets in a zone: the next run is local midnight on the 1st, whatever the offset that day.
    [InlineData("monthly", "Europe/Oslo", "2026-03-15T10:00:00Z", "2026-03-31T22:00:00Z")]
    [InlineData("monthly", "Europe/Oslo", "2026-10-20T10:00:00Z", "2026-10-31T23:00:00Z")]
    [InlineData("quarterly", "America/New_York", "2026-02-10T00:00:00Z", "2026-04-01T04:00:00Z")]
    [InlineData("quarterly", "UTC", "2026-12-31T23:59:00Z", "2027-01-01T00:00:00Z")]
    [InlineData("30 6 2 * *", "Asia/Kolkata", "2026-05-02T01:00:00Z", "2026-06-02T01:00:00Z")]
    public void NextRunIsTheNextOccurrenceInTheSchedulesTimeZone(string schedule, string zone, string after, string expected)
    {
        var spec = ScheduleSpec.Parse(schedule, zone, null, out var errors);

        Assert.Empty(errors);
        Assert.Equal(DateTimeOffset.Parse(expected), spec.NextRun(DateTimeOffset.Parse(after)));
    }
}
