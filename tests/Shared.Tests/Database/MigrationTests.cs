using Dapper;
using Impact.Shared.Database;
using Impact.TestSupport;

namespace Impact.Shared.Tests.Database;

public sealed class MigrationTests
{
    [Fact]
    public async Task MigrationsCreateTheCoreTablesAndASecondRunAppliesNothing()
    {
        await using var db = await TestDatabase.CreateAsync();

        var again = Migrations.Apply(db.ConnectionString);

        Assert.Empty(again);
        await using var conn = await db.DataSource.OpenConnectionAsync();
        var tables = (await conn.QueryAsync<string>(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'impact'")).ToHashSet();
        Assert.Superset(
            new HashSet<string> { "webhook_deliveries", "users", "kintell_sessions", "kintell_ratings", "kintell_bookings", "events" },
            tables);
    }

    [Fact]
    public void ScriptsAreNumberedAndApplyInNumberOrder()
    {
        var names = Migrations.ScriptNames();

        Assert.NotEmpty(names);
        Assert.All(names, n => Assert.Matches(@"^\d{4}_[a-z0-9_]+\.sql$", n));
        Assert.Equal(names.Count, names.Select(n => n[..4]).Distinct().Count());
    }
}
