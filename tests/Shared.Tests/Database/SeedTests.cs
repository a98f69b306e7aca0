using Dapper;
using Impact.TestSupport;
using Impact.Tools.Seed;

namespace Impact.Shared.Tests.Database;

public sealed class SeedTests
{
    [Fact]
    public async Task TheSeedCommandCreatesASampleCompanyWithPeopleSessionsAndRatingsAndASecondRunAddsNothing()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var conn = await db.DataSource.OpenConnectionAsync();

        var first = await SampleData.SeedAsync(conn);
        var counts = await CountsAsync(conn);
        var second = await SampleData.SeedAsync(conn);

        Assert.Equal((1, 4, 4, 4), counts);
        Assert.Equal(counts, await CountsAsync(conn));
        Assert.Equal(first.CompanyId, second.CompanyId);
        Assert.Equal(first.VolunteerIds, second.VolunteerIds);
        Assert.Equal(first.ParticipantIds, second.ParticipantIds);
        Assert.Equal(first.SessionIds, second.SessionIds);
        // Volunteers belong to the company, and its sessions carry it: the APIs have something to report.
        Assert.Equal(2, await conn.ExecuteScalarAsync<int>(
            "SELECT count(*)::int FROM impact.users WHERE role = 'volunteer' AND company_id = @id", new { id = first.CompanyId }));
        Assert.Equal(4, await conn.ExecuteScalarAsync<int>(
            "SELECT count(*)::int FROM impact.kintell_sessions WHERE company_id = @id", new { id = first.CompanyId }));
        Assert.Equal(4, await conn.ExecuteScalarAsync<int>(
            """
            SELECT count(*)::int FROM impact.kintell_ratings r
            JOIN impact.kintell_sessions s ON s.external_id = r.session_external_id AND r.rater_id = s.participant_id
            """));
    }

    private static Task<(int Companies, int Users, int Sessions, int Ratings)> CountsAsync(Npgsql.NpgsqlConnection conn) =>
        conn.QuerySingleAsync<(int, int, int, int)>(
            """
            SELECT (SELECT count(*)::int FROM impact.companies), (SELECT count(*)::int FROM impact.users),
                   (SELECT count(*)::int FROM impact.kintell_sessions), (SELECT count(*)::int FROM impact.kintell_ratings)
            """);
}
