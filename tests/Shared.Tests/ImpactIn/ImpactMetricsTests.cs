using Impact.Shared.ImpactIn;
using Impact.TestSupport;
using Impact.TestSupport.ImpactIn;

namespace Impact.Shared.Tests.ImpactIn;

public sealed class ImpactMetricsTests
{
    private static readonly DateTimeOffset March = DateTimeOffset.Parse("2026-03-01T00:00:00Z");
    private static readonly DateTimeOffset April = DateTimeOffset.Parse("2026-04-01T00:00:00Z");

    [Fact]
    public async Task MetricsCountOnlyTheCompanysSessionsCompletedInThePeriod()
    {
        await using var db = await TestDatabase.CreateAsync();
        var company = await ImpactData.CompanyWithSessionsAsync(db.DataSource, March); // 60 + 45 + 45 minutes, ratings 5 and 3
        var other = await ImpactData.CompanyAsync(db.DataSource, "Other");
        var volunteer = await ImpactData.UserAsync(db.DataSource, "volunteer", company);
        var participant = await ImpactData.UserAsync(db.DataSource, "participant");
        await ImpactData.SessionAsync(db.DataSource, company, April, 600, participant, volunteer, rating: 1);               // next period
        await ImpactData.SessionAsync(db.DataSource, company, March.AddTicks(-1), 600, participant, volunteer, rating: 1); // previous period
        await ImpactData.SessionAsync(db.DataSource, other, March.AddDays(5), 600, participant, volunteer, rating: 1);     // other company

        await using var conn = await db.DataSource.OpenConnectionAsync();
        var metrics = await ImpactMetrics.ReadAsync(conn, company, March, April);

        Assert.Equal(2.5m, metrics.VolunteerHours);
        Assert.Equal(3, metrics.Sessions);
        Assert.Equal(2, metrics.Participants);
        Assert.Equal(2, metrics.Volunteers);
        Assert.Equal(2, metrics.Ratings);
        Assert.Equal(4.0, metrics.MeanRating);
        Assert.Equal(0.75, metrics.OutcomeScore);
        Assert.Equal(
            [new SessionTypeMetrics("language", 2, 1.75m, 2, 1), new SessionTypeMetrics("mentorship", 1, 0.75m, 1, 1)],
            metrics.BySessionType);
    }

    [Fact]
    public async Task WithoutRatingsTheOutcomeScoreIsLeftOutOfThePayload()
    {
        await using var db = await TestDatabase.CreateAsync();
        var company = await ImpactData.CompanyAsync(db.DataSource);
        var volunteer = await ImpactData.UserAsync(db.DataSource, "volunteer", company);
        var participant = await ImpactData.UserAsync(db.DataSource, "participant");
        await ImpactData.SessionAsync(db.DataSource, company, March.AddDays(1), 30, participant, volunteer);

        await using var conn = await db.DataSource.OpenConnectionAsync();
        var subject = new DeliverySubject(Platforms.Benevity, company, null, null,
            ReportingPeriod.Previous(April, TimeZoneInfo.Utc, PeriodKind.Month), April);
        var payload = System.Text.Json.JsonDocument.Parse(await ImpactPayloads.BuildAsync(conn, subject)).RootElement;

        var types = payload.GetProperty("metrics").EnumerateArray().Select(m => m.GetProperty("metricType").GetString()).ToList();
        Assert.Equal(["volunteer_hours", "participant_count", "program_participation"], types);
        Assert.Equal(0.5m, payload.GetProperty("metrics")[0].GetProperty("metricValue").GetDecimal());
        Assert.Equal("2026-04-01T00:00:00Z", payload.GetProperty("timestamp").GetString());
    }
}
