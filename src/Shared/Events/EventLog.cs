using System.Text.Json;
using Dapper;
using Npgsql;

namespace Impact.Shared.Events;

/// <summary>
/// The append-only <c>impact.events</c> table. Events are written in the caller's transaction,
/// so an event exists exactly when the change it describes was committed.
/// </summary>
public static class EventLog
{
    /// <summary>The NOTIFY channel: a doorbell only, listeners always read the table.</summary>
    public const string NotifyChannel = "impact_events";

    /// <summary>Appends one event and rings the doorbell (delivered at commit). Returns the event's table id.</summary>
    public static async Task<long> AppendAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        string type, Guid? companyId, object data, string? correlationId = null, CancellationToken ct = default)
    {
        var json = JsonSerializer.Serialize(data, JsonDefaults.Web);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            """
            INSERT INTO impact.events (company_id, type, correlation_id, data)
            VALUES (@companyId, @type, @correlationId, @json::jsonb)
            RETURNING id;
            SELECT pg_notify('impact_events', '');
            """,
            new { companyId, type, correlationId, json }, transaction, cancellationToken: ct));
    }
}
