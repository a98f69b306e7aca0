using Dapper;
using Impact.TestSupport;
using Impact.TestSupport.ImpactIn;
using Npgsql;

namespace Impact.Shared.Tests.Database;

/// <summary>
/// Migration 0170 replaced the six foreign keys of journey_flags, journey_flag_history and journey_milestones with
/// statement-level checks; these tests hold them to what the foreign keys gave: a missing person or company fails the
/// statement with SQLSTATE 23503 and stores nothing, deleting a person deletes their journey rows (the cascade), and a
/// company still named — or a person re-keyed — is refused.
/// </summary>
public sealed class JourneyReferenceTests
{
    private const string ForeignKeyViolation = "23503";

    [Fact]
    public async Task JourneyRowsNamingAMissingPersonOrCompanyFailWith23503AndStoreNothing()
    {
        await using var db = await TestDatabase.CreateAsync();
        var company = await ImpactData.CompanyAsync(db.DataSource);
        var user = await ImpactData.UserAsync(db.DataSource, "participant", null);
        await using var conn = await db.DataSource.OpenConnectionAsync();

        var errors = new List<PostgresException>
        {
            // One good row and one naming a person who does not exist, in one statement: the whole statement fails.
            await Assert.ThrowsAsync<PostgresException>(() => InsertFlagsAsync(conn, company, user, Guid.NewGuid())),
            await Assert.ThrowsAsync<PostgresException>(() => InsertFlagsAsync(conn, Guid.NewGuid(), user)),
            await Assert.ThrowsAsync<PostgresException>(() => conn.ExecuteAsync(
                "INSERT INTO impact.journey_milestones (user_id, milestone, company_id, rule_id, reached_at) VALUES (@u, 'm', @company, 'r', now())",
                new { u = Guid.NewGuid(), company })),
            await Assert.ThrowsAsync<PostgresException>(() => conn.ExecuteAsync(
                "INSERT INTO impact.journey_flag_history (user_id, company_id, flag, change, changed_at) VALUES (@user, @c, 'f', 'set', now())",
                new { user, c = Guid.NewGuid() })),
            // An update that points a row at a missing company fails the same way.
            await Assert.ThrowsAsync<PostgresException>(async () =>
            {
                await InsertFlagsAsync(conn, company, user);
                await conn.ExecuteAsync("UPDATE impact.journey_flags SET company_id = @c", new { c = Guid.NewGuid() });
            }),
        };

        Assert.All(errors, e => Assert.Equal(ForeignKeyViolation, e.SqlState));
        Assert.Contains("users", errors[0].Detail);
        Assert.Contains("companies", errors[1].Detail);
        // Only the valid flag of the last block's first statement is there, unchanged.
        Assert.Equal(company, await conn.ExecuteScalarAsync<Guid>("SELECT company_id FROM impact.journey_flags"));
        Assert.Equal(1L, await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM impact.journey_flags"));
        Assert.Equal(0L, await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM impact.journey_milestones"));
        Assert.Equal(0L, await conn.ExecuteScalarAsync<long>("SELECT count(*) FROM impact.journey_flag_history"));
    }

    [Fact]
    public async Task DeletingAPersonDeletesTheirJourneyRowsAndACompanyStillNamedCannotGo()
    {
        await using var db = await TestDatabase.CreateAsync();
        var company = await ImpactData.CompanyAsync(db.DataSource);
        var other = await ImpactData.CompanyAsync(db.DataSource, "Other");
        var gone = await ImpactData.UserAsync(db.DataSource, "participant", null);
        var stays = await ImpactData.UserAsync(db.DataSource, "participant", null);
        await using var conn = await db.DataSource.OpenConnectionAsync();
        foreach (var u in new[] { gone, stays })
        {
            await InsertFlagsAsync(conn, company, u);
            await conn.ExecuteAsync(
                """
                INSERT INTO impact.journey_milestones (user_id, milestone, company_id, rule_id, reached_at) VALUES (@u, 'm', @company, 'r', now());
                INSERT INTO impact.journey_flag_history (user_id, company_id, flag, change, changed_at) VALUES (@u, @company, 'f', 'set', now());
                """, new { u, company });
        }

        var errors = new List<PostgresException>
        {
            await Assert.ThrowsAsync<PostgresException>(() => conn.ExecuteAsync("DELETE FROM impact.companies WHERE id = @company", new { company })),
            await Assert.ThrowsAsync<PostgresException>(() => conn.ExecuteAsync(
                "UPDATE impact.companies SET id = gen_random_uuid() WHERE id = @company", new { company })),
            await Assert.ThrowsAsync<PostgresException>(() => conn.ExecuteAsync(
                "UPDATE impact.users SET id = gen_random_uuid() WHERE id = @stays", new { stays })),
        };
        Assert.All(errors, e => Assert.Equal(ForeignKeyViolation, e.SqlState));

        // The cascade: the person's flags, milestones and history go with them, nobody else's.
        Assert.Equal(1, await conn.ExecuteAsync("DELETE FROM impact.users WHERE id = @gone", new { gone }));
        foreach (var table in new[] { "journey_flags", "journey_milestones", "journey_flag_history" })
        {
            Assert.Equal([stays], (await conn.QueryAsync<Guid>($"SELECT DISTINCT user_id FROM impact.{table}")).ToList());
        }

        // A company nobody's journey names can go; an update that keeps the id is no re-key.
        Assert.Equal(1, await conn.ExecuteAsync("UPDATE impact.companies SET name = 'Acme 2' WHERE id = @company", new { company }));
        Assert.Equal(1, await conn.ExecuteAsync("DELETE FROM impact.companies WHERE id = @other", new { other }));
    }

    private static Task<int> InsertFlagsAsync(NpgsqlConnection conn, Guid company, params Guid[] users) =>
        conn.ExecuteAsync(
            """
            INSERT INTO impact.journey_flags (user_id, flag, company_id, set_by_rule, set_at)
            SELECT u, 'mentor_ready', @company, 'mentor_ready_rule', now() FROM unnest(@users) AS u
            """, new { company, users });
}
