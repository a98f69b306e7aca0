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

    /// <summary>
    /// Appends many events in one statement (and rings the doorbell once): for writers that produce a batch, such
    /// as the journey evaluator. Each item is (company, type, data); the data is serialised as <see cref="AppendAsync"/> does.
    /// </summary>
    public static Task AppendManyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        IReadOnlyList<(Guid? CompanyId, string Type, object Data)> events, CancellationToken ct = default) =>
        events.Count == 0
            ? Task.CompletedTask
            : connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO impact.events (company_id, type, data)
                SELECT c, t, d::jsonb FROM unnest(@companies, @types, @data) AS x(c, t, d);
                SELECT pg_notify('impact_events', '');
                """,
                new
                {
                    companies = events.Select(e => e.CompanyId).ToArray(),
                    types = events.Select(e => e.Type).ToArray(),
                    data = events.Select(e => JsonSerializer.Serialize(e.Data, JsonDefaults.Web)).ToArray(),
                }, transaction, cancellationToken: ct));

    /// <summary>
    /// <see cref="AppendManyAsync(NpgsqlConnection, NpgsqlTransaction, IReadOnlyList{ValueTuple{Guid?, string, object}}, CancellationToken)"/>
    /// with a correlation id per event (as <see cref="AppendAsync"/> takes one).
    /// </summary>
    public static Task AppendManyAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        IReadOnlyList<(Guid? CompanyId, string Type, object Data, string? CorrelationId)> events, CancellationToken ct = default) =>
        events.Count == 0
            ? Task.CompletedTask
            : connection.ExecuteAsync(new CommandDefinition(
                """
                INSERT INTO impact.events (company_id, type, correlation_id, data)
                SELECT c, t, r, d::jsonb FROM unnest(@companies, @types, @correlations, @data) AS x(c, t, r, d);
                SELECT pg_notify('impact_events', '');
                """,
                new
                {
                    companies = events.Select(e => e.CompanyId).ToArray(),
                    types = events.Select(e => e.Type).ToArray(),
                    correlations = events.Select(e => e.CorrelationId).ToArray(),
                    data = events.Select(e => JsonSerializer.Serialize(e.Data, JsonDefaults.Web)).ToArray(),
                }, transaction, cancellationToken: ct));
}
