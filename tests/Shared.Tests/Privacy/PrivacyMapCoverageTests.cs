using Dapper;
using Impact.Shared.Privacy;
using Impact.TestSupport;
using Npgsql;

namespace Impact.Shared.Tests.Privacy;

/// <summary>
/// The privacy map must keep up with the schema: every foreign key to impact.users(id), every column named like
/// %email% or %user_id%, every JSON column and every error text (%error%, %excerpt%) is either in <see cref="PrivacyMap.Personal"/> or explicitly in
/// <see cref="PrivacyMap.NotPersonal"/> with a reason. A migration that adds one without a map entry fails here.
/// </summary>
public sealed class PrivacyMapCoverageTests
{
    [Fact]
    public async Task EveryUserReferenceEmailAndJsonColumnOfTheMigratedSchemaIsInThePrivacyMap()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var conn = await db.DataSource.OpenConnectionAsync();

        var uncovered = await UncoveredColumnsAsync(conn);

        Assert.True(uncovered.Count == 0,
            "Columns that may hold personal data but are not in PrivacyMap (add them to Personal, with export and erasure " +
            "handling, or to NotPersonal with a reason): " + string.Join(", ", uncovered));
    }

    [Fact]
    public async Task ATableAddedWithAUserReferenceAnEmailJsonAndAnErrorTextButNoMapEntryIsReported()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var conn = await db.DataSource.OpenConnectionAsync();
        // What a careless later migration might add.
        await conn.ExecuteAsync(
            """
            CREATE TABLE impact.mentor_notes (
                id            bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                mentor        uuid REFERENCES impact.users (id),
                contact_email text,
                owner_user_id uuid,
                extra         jsonb,
                last_error    text
            )
            """);

        var uncovered = await UncoveredColumnsAsync(conn);

        Assert.Equal(["mentor_notes.contact_email", "mentor_notes.extra", "mentor_notes.last_error", "mentor_notes.mentor", "mentor_notes.owner_user_id"], uncovered);
    }

    [Fact]
    public async Task EveryColumnThePrivacyMapNamesExistsInTheSchema()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var conn = await db.DataSource.OpenConnectionAsync();
        var columns = (await conn.QueryAsync<string>(
            "SELECT table_name || '.' || column_name FROM information_schema.columns WHERE table_schema = 'impact'")).ToHashSet();

        var named = PrivacyMap.Personal.Select(c => $"{c.Table}.{c.Column}")
            .Concat(PrivacyMap.NotPersonal.Select(c => $"{c.Table}.{c.Column}"));

        Assert.All(named, n => Assert.Contains(n, columns));
        Assert.All(PrivacyMap.NotPersonal, c => Assert.False(string.IsNullOrWhiteSpace(c.Reason)));
        Assert.All(PrivacyMap.Personal, c => Assert.False(string.IsNullOrWhiteSpace(c.Export) || string.IsNullOrWhiteSpace(c.Erasure)));
    }

    /// <summary>Columns that look personal and are in neither list of the map, as "table.column" (schema-qualified outside impact).</summary>
    private static async Task<List<string>> UncoveredColumnsAsync(NpgsqlConnection conn)
    {
        var suspects = await conn.QueryAsync<string>(
            """
            SELECT CASE WHEN n.nspname = 'impact' THEN '' ELSE n.nspname || '.' END || cl.relname || '.' || a.attname
            FROM pg_constraint c
            JOIN pg_class cl ON cl.oid = c.conrelid
            JOIN pg_namespace n ON n.oid = cl.relnamespace
            CROSS JOIN LATERAL unnest(c.conkey) AS k(attnum)
            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum
            WHERE c.contype = 'f' AND c.confrelid = 'impact.users'::regclass
            UNION
            SELECT table_name || '.' || column_name
            FROM information_schema.columns
            WHERE table_schema = 'impact'
              AND (column_name ILIKE '%email%' OR column_name ILIKE '%user_id%' OR data_type IN ('json', 'jsonb')
                   OR (data_type = 'text' AND (column_name ILIKE '%error%' OR column_name ILIKE '%excerpt%')))
            """);
        var covered = PrivacyMap.Personal.Select(c => $"{c.Table}.{c.Column}")
            .Concat(PrivacyMap.NotPersonal.Select(c => $"{c.Table}.{c.Column}"))
            .ToHashSet();
        return suspects.Where(s => !covered.Contains(s)).Order(StringComparer.Ordinal).ToList();
    }
}
