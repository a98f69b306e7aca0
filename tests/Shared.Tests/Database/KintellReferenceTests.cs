using Dapper;
using Impact.TestSupport;
using Impact.TestSupport.ImpactIn;
using Npgsql;

namespace Impact.Shared.Tests.Database;

/// <summary>
/// Migration 0165 replaced the four foreign keys of kintell_sessions and kintell_ratings with statement-level checks;
/// these tests hold them to the guarantee the foreign keys gave: a missing person or company fails the statement with
/// SQLSTATE 23503 and stores nothing, and a person or company still named cannot be deleted or re-keyed.
/// </summary>
public sealed class KintellReferenceTests
{
    private const string ForeignKeyViolation = "23503";

    [Fact]
    public async Task ASessionOrRatingNamingAMissingPersonOrCompanyFailsWith23503AndStoresNothing()
    {
        await using var db = await TestDatabase.CreateAsync();
        var company = await ImpactData.CompanyAsync(db.DataSource);
        var participant = await ImpactData.UserAsync(db.DataSource, "participant", company);
        var volunteer = await ImpactData.UserAsync(db.DataSource, "volunteer", company);
        await using var conn = await db.DataSource.OpenConnectionAsync();

        // One good row and one naming a volunteer who does not exist, in one statement: the whole statement fails.
        var missingVolunteer = await Assert.ThrowsAsync<PostgresException>(() => InsertSessionsAsync(conn, company,
            (participant, volunteer), (participant, Guid.NewGuid())));
        var missingCompany = await Assert.ThrowsAsync<PostgresException>(() => InsertSessionsAsync(conn, Guid.NewGuid(), (participant, volunteer)));
        var missingRater = await Assert.ThrowsAsync<PostgresException>(() => conn.ExecuteAsync(
            """
            INSERT INTO impact.kintell_ratings (external_id, session_external_id, rater_id, from_role, rating, rating_normalized, rated_at)
            VALUES ('r-1', 's-x', @rater, 'participant', 5, 1, now())
            """, new { rater = Guid.NewGuid() }));
        var updatedToMissing = await Assert.ThrowsAsync<PostgresException>(async () =>
        {
            await InsertSessionsAsync(conn, company, (participant, volunteer));
            await conn.ExecuteAsync("UPDATE impact.kintell_sessions SET participant_id = @nobody", new { nobody = Guid.NewGuid() });
        });

        Assert.All([missingVolunteer, missingCompany, missingRater, updatedToMissing], e => Assert.Equal(ForeignKeyViolation, e.SqlState));
        Assert.Contains("users", missingVolunteer.Detail);
        Assert.Contains("companies", missingCompany.Detail);
        // Only the session of the last block's first (valid) statement is there, still naming the real participant.
        Assert.Equal(participant, await conn.ExecuteScalarAsync<Guid>("SELECT participant_id FROM impact.kintell_sessions"));
        Assert.Equal(1L, await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM impact.kintell_sessions"));
        Assert.Equal(0L, await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM impact.kintell_ratings"));
    }

    [Fact]
    public async Task APersonOrCompanyStillNamedCannotBeDeletedOrRekeyedAndOneNoLongerNamedCan()
    {
        await using var db = await TestDatabase.CreateAsync();
        var company = await ImpactData.CompanyAsync(db.DataSource);
        var participant = await ImpactData.UserAsync(db.DataSource, "participant", company);
        var volunteer = await ImpactData.UserAsync(db.DataSource, "volunteer", company);
        var rater = await ImpactData.UserAsync(db.DataSource, "participant", company);
        var unnamed = await ImpactData.UserAsync(db.DataSource, "participant", company);
        await using var conn = await db.DataSource.OpenConnectionAsync();
        await InsertSessionsAsync(conn, company, (participant, volunteer));
        await conn.ExecuteAsync(
            """
            INSERT INTO impact.kintell_ratings (external_id, session_external_id, rater_id, from_role, rating, rating_normalized, rated_at)
            VALUES ('r-1', 's-0', @rater, 'participant', 4, 0.75, now())
            """, new { rater });

        var errors = new List<PostgresException>
        {
            await Assert.ThrowsAsync<PostgresException>(() => conn.ExecuteAsync("DELETE FROM impact.users WHERE id = @participant", new { participant })),
            await Assert.ThrowsAsync<PostgresException>(() => conn.ExecuteAsync("DELETE FROM impact.users WHERE id = @volunteer", new { volunteer })),
            await Assert.ThrowsAsync<PostgresException>(() => conn.ExecuteAsync("DELETE FROM impact.users WHERE id = @rater", new { rater })),
            await Assert.ThrowsAsync<PostgresException>(() => conn.ExecuteAsync(
                "UPDATE impact.users SET id = gen_random_uuid() WHERE id = @participant", new { participant })),
            await Assert.ThrowsAsync<PostgresException>(() => conn.ExecuteAsync(
                "UPDATE impact.companies SET id = gen_random_uuid() WHERE id = @company", new { company })),
        };

        Assert.All(errors, e => Assert.Equal(ForeignKeyViolation, e.SqlState));
        Assert.Equal(4L, await conn.ExecuteScalarAsync<long>(
            "SELECT count(*) FROM impact.users WHERE id = ANY(@ids)", new { ids = new[] { participant, volunteer, rater, unnamed } }));
        // Nobody names this one: it goes, as it did with the foreign keys.
        Assert.Equal(1, await conn.ExecuteAsync("DELETE FROM impact.users WHERE id = @unnamed", new { unnamed }));
        // Once the rows that name them are gone, so can the people be.
        await conn.ExecuteAsync("DELETE FROM impact.kintell_ratings; DELETE FROM impact.kintell_sessions");
        Assert.Equal(3, await conn.ExecuteAsync("DELETE FROM impact.users WHERE id = ANY(@ids)", new { ids = new[] { participant, volunteer, rater } }));
    }

    private static Task<int> InsertSessionsAsync(NpgsqlConnection conn, Guid company, params (Guid Participant, Guid Volunteer)[] people) =>
        conn.ExecuteAsync(
            """
            INSERT INTO impact.kintell_sessions (external_id, session_type, participant_id, volunteer_id, company_id, completed_at, duration_minutes)
            SELECT 's-' || (n - 1), 'language', p, v, @company, now(), 60
            FROM unnest(@participants, @volunteers) WITH ORDINALITY AS t(p, v, n)
            """,
            new { company, participants = people.Select(x => x.Participant).ToArray(), volunteers = people.Select(x => x.Volunteer).ToArray() });
}
