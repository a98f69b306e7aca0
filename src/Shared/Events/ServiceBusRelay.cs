using Azure.Messaging.ServiceBus;
using Dapper;
using Impact.Shared.Database;
using Npgsql;

namespace Impact.Shared.Events;

/// <summary>
/// Publishes new rows of <c>impact.events</c> to the Service Bus topic, in commit-safe order, at least once:
/// the cursor moves only after the topic accepted the batch, and each message's id is the event's
/// id, so the topic's duplicate detection drops a batch sent twice.
/// </summary>
public sealed class ServiceBusRelay(NpgsqlDataSource dataSource)
{
    /// <summary>The cursor's name in <c>impact.event_cursors</c>.</summary>
    public const string CursorName = "servicebus";

    /// <summary>Sends up to <paramref name="batchSize"/> events; returns how many were sent.</summary>
    public async Task<int> RelayOnceAsync(ServiceBusSender sender, int batchSize, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        // Concurrent relays (several app instances) take turns under an advisory lock instead of a row lock: no
        // transaction stays open while the batch is sent, so a slow topic never holds back the event feed.
        await using var turn = await SessionLock.AcquireAsync(conn, "impact.event_cursors:" + CursorName, ct);
        var (lastTx, lastId) = await conn.QuerySingleAsync<(string, long)>(new CommandDefinition(
            """
            INSERT INTO impact.event_cursors (name) VALUES (@name) ON CONFLICT (name) DO NOTHING;
            SELECT last_tx_id::text, last_event_id FROM impact.event_cursors WHERE name = @name;
            """,
            new { name = CursorName }, cancellationToken: ct));

        // (tx_id, id) order over finished transactions only: see 0002_event_relay.sql.
        var events = (await conn.QueryAsync<(long Id, string TxId, Guid EventId, string Type, Guid? CompanyId, string? CorrelationId, DateTime OccurredAt, string Data)>(
            new CommandDefinition(
                """
                SELECT id, tx_id::text, event_id, type, company_id, correlation_id, occurred_at, data::text
                FROM impact.events
                WHERE (tx_id, id) > (@lastTx::xid8, @lastId) AND tx_id < pg_snapshot_xmin(pg_current_snapshot())
                ORDER BY tx_id, id
                LIMIT @batchSize
                """,
                new { lastTx, lastId, batchSize }, cancellationToken: ct))).ToList();
        if (events.Count == 0)
        {
            return 0;
        }

        var messages = events.Select(e =>
        {
            var message = new ServiceBusMessage(EventEnvelope.SerializeStored(e.EventId, e.Type, e.CompanyId, e.OccurredAt, e.CorrelationId, e.Data))
            {
                MessageId = e.EventId.ToString(),
                Subject = e.Type,
                ContentType = "application/json",
                CorrelationId = e.CorrelationId,
            };
            message.ApplicationProperties["eventId"] = e.Id;
            if (e.CompanyId is { } companyId)
            {
                message.ApplicationProperties["companyId"] = companyId.ToString();
            }

            return message;
        }).ToList();

        await sender.SendMessagesAsync(messages, ct);
        await conn.ExecuteAsync(new CommandDefinition(
            "UPDATE impact.event_cursors SET last_tx_id = @tx::xid8, last_event_id = @id, updated_at = clock_timestamp() WHERE name = @name",
            new { tx = events[^1].TxId, id = events[^1].Id, name = CursorName }, cancellationToken: ct));
        return events.Count;
    }
}
