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
        // The outcome score is the mean of the feedback texts' dimension scores, not the mean normalised rating (0.75).
        Assert.Equal(0.62, metrics.OutcomeScore);
        Assert.Equal(2, metrics.ScoredTexts);
        Assert.Equal(new Dictionary<string, double>
        {
            ["confidence"] = 0.65, ["belonging"] = 0.5, ["lang_level_proxy"] = 0.75, ["job_readiness"] = 0.375, ["well_being"] = 0.825,
        }, metrics.Outcomes);
        Assert.Equal(
            [new SessionTypeMetrics("language", 2, 1.75m, 2, 1), new SessionTypeMetrics("mentorship", 1, 0.75m, 1, 1)],
            metrics.BySessionType);
    }

    [Fact]
    public async Task OnlyClassifiedTextsOfTheCompanyWhoseSessionOrReceptionFallsInThePeriodCount()
    {
        await using var db = await TestDatabase.CreateAsync();
        var company = await ImpactData.CompanyAsync(db.DataSource);
        var other = await ImpactData.CompanyAsync(db.DataSource, "Other");
        var volunteer = await ImpactData.UserAsync(db.DataSource, "volunteer", company);
        var participant = await ImpactData.UserAsync(db.DataSource, "participant");
        // A rating of a session in March whose text was scored later still counts for March; one of April does not.
        var march = await ImpactData.SessionAsync(db.DataSource, company, March.AddDays(3), 30, participant, volunteer, rating: 2);
        var april = await ImpactData.SessionAsync(db.DataSource, company, April.AddDays(1), 30, participant, volunteer, rating: 2);
        await ImpactData.ScoredTextAsync(db.DataSource, company, [0.2, 0.2, 0.3, 0.3, 0.5], march);
        await ImpactData.ScoredTextAsync(db.DataSource, company, [1, 1, 1, 1, 1], april);
        await ImpactData.ScoredTextAsync(db.DataSource, company, [0.8, 0.8, 0.9, 0.6, 0.9], receivedAt: March.AddDays(10)); // an API text
        await ImpactData.ScoredTextAsync(db.DataSource, other, [1, 1, 1, 1, 1], receivedAt: March.AddDays(10));
        var rejected = await ImpactData.ScoredTextAsync(db.DataSource, company, [1, 1, 1, 1, 1], receivedAt: March.AddDays(11));
        await ImpactData.ScalarAsync<int>(db.DataSource, "UPDATE impact.texts SET status = 'rejected' WHERE id = @rejected RETURNING 1", new { rejected });

        await using var conn = await db.DataSource.OpenConnectionAsync();
        var metrics = await ImpactMetrics.ReadAsync(conn, company, March, April);

        Assert.Equal(2, metrics.ScoredTexts);
        Assert.Equal(0.55, metrics.OutcomeScore); // (1.5 + 4.0) / 10
        Assert.Equal(0.5, metrics.Outcomes["confidence"]);
        Assert.Equal(0.25, metrics.MeanRating is { } m ? (m - 1) / 4 : -1); // the ratings are still reported on their own
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
