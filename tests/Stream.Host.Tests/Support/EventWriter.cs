using Dapper;
using Impact.Shared.Events;
using Impact.TestSupport;

namespace Impact.StreamHost.Tests.Support;

/// <summary>Writes companies and events the way the app does (EventLog: row + NOTIFY in one transaction).</summary>
public static class EventWriter
{
    public static async Task<Guid> CompanyAsync(TestDatabase db, bool streamingEnabled = true)
    {
        await using var conn = await db.DataSource.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<Guid>(
            "INSERT INTO impact.companies (name, streaming_enabled) VALUES (@name, @streamingEnabled) RETURNING id",
            new { name = "Company " + Guid.NewGuid().ToString("N")[..6], streamingEnabled });
    }

    /// <summary>Appends one event in its own transaction; returns its table id.</summary>
    public static async Task<long> AppendAsync(TestDatabase db, Guid companyId, int sequence = 0, string? padding = null,
        string type = EventTypes.SessionCompleted)
    {
        await using var conn = await db.DataSource.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        var id = await EventLog.AppendAsync(conn, tx, type, companyId,
            new { sequence, padding }, correlationId: $"test-{sequence}");
        await tx.CommitAsync();
        return id;
    }

    public static async Task<List<long>> AppendManyAsync(TestDatabase db, Guid companyId, int count, string? padding = null)
    {
        var ids = new List<long>(count);
        for (var i = 0; i < count; i++)
        {
            ids.Add(await AppendAsync(db, companyId, i, padding));
        }

        return ids;
    }
}
