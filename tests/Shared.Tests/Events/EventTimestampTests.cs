using Dapper;
using Impact.Shared.Events;
using Impact.TestSupport;

namespace Impact.Shared.Tests.Events;

public sealed class EventTimestampTests
{
    [Fact]
    public async Task EventsAppendedLateInALongTransactionAreStampedWhenTheyWereAppendedNotWhenItBegan()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var conn = await db.DataSource.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        var first = await EventLog.AppendAsync(conn, tx, "test.first", null, new { });
        await conn.ExecuteAsync("SELECT pg_sleep(0.3)", transaction: tx);
        var second = await EventLog.AppendAsync(conn, tx, "test.second", null, new { });
        var begun = await conn.ExecuteScalarAsync<DateTime>("SELECT now()", transaction: tx);
        await tx.CommitAsync();

        var at = (await conn.QueryAsync<DateTime>("SELECT occurred_at FROM impact.events WHERE id = ANY(@ids) ORDER BY id",
            new { ids = new[] { first, second } })).ToList();
        Assert.True(at[0] >= begun);
        Assert.True(at[1] - at[0] >= TimeSpan.FromMilliseconds(300), $"{at[0]:O} then {at[1]:O}");
    }
}
