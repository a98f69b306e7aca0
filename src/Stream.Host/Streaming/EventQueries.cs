using Dapper;
using Npgsql;

namespace Impact.StreamHost.Streaming;

/// <summary>The SQL the stream runs against <c>impact.events</c> and <c>impact.companies</c>.</summary>
public static class EventQueries
{
    public const int PageSize = 500;

    /// <summary>
    /// The oldest transaction still running anywhere in the cluster: every row written by an older
    /// transaction is committed (and visible) or rolled back, so rows below it are final.
    /// </summary>
    public static async Task<ulong> FinalBelowAsync(NpgsqlConnection conn, CancellationToken ct)
    {
        var text = await conn.ExecuteScalarAsync<string>(new CommandDefinition(
            "SELECT pg_snapshot_xmin(pg_current_snapshot())::text", cancellationToken: ct));
        return ulong.Parse(text!, System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>All companies' rows after <paramref name="after"/> whose transactions are final, in stream order.</summary>
    public static async Task<List<EventRow>> FinalPageAsync(NpgsqlConnection conn, EventPosition after, ulong finalBelow, int limit, CancellationToken ct) =>
        (await conn.QueryAsync<EventRow>(new CommandDefinition(
            """
            SELECT id AS Id, tx_id::text AS Tx, event_id AS EventId, company_id AS CompanyId, type AS Type,
                   correlation_id AS CorrelationId, data::text AS Data, occurred_at AS OccurredAt
            FROM impact.events
            WHERE (tx_id, id) > (@afterTx::xid8, @afterId) AND tx_id < @finalBelow::xid8
            ORDER BY tx_id, id
            LIMIT @limit
            """,
            new { afterTx = after.TxText, afterId = after.Id, finalBelow = finalBelow.ToString(System.Globalization.CultureInfo.InvariantCulture), limit },
            cancellationToken: ct))).AsList();

    /// <summary>Committed rows that are not final yet (an older transaction is still open): read again soon.</summary>
    public static async Task<bool> AnyPendingAsync(NpgsqlConnection conn, ulong finalBelow, CancellationToken ct) =>
        await conn.ExecuteScalarAsync<bool>(new CommandDefinition(
            "SELECT EXISTS (SELECT 1 FROM impact.events WHERE tx_id >= @finalBelow::xid8)",
            new { finalBelow = finalBelow.ToString(System.Globalization.CultureInfo.InvariantCulture) }, cancellationToken: ct));

    /// <summary>
    /// One company's delivered rows (<see cref="CockpitEvents"/>: no privacy events) in (<paramref name="after"/>,
    /// <paramref name="upTo"/>], in stream order: a resuming client's catch-up. With <paramref name="since"/>, only
    /// rows that occurred since then (the replay window, for <c>Last-Event-ID: earliest</c>).
    /// </summary>
    public static async Task<List<EventRow>> CompanyPageAsync(NpgsqlConnection conn, Guid companyId, EventPosition after, EventPosition upTo,
        DateTimeOffset? since, CancellationToken ct) =>
        (await conn.QueryAsync<EventRow>(new CommandDefinition(
            """
            SELECT id AS Id, tx_id::text AS Tx, event_id AS EventId, company_id AS CompanyId, type AS Type,
                   correlation_id AS CorrelationId, data::text AS Data, occurred_at AS OccurredAt
            FROM impact.events
            WHERE company_id = @companyId
              AND NOT starts_with(type, @hidden)
              AND (@since::timestamptz IS NULL OR occurred_at >= @since::timestamptz)
              AND (tx_id, id) > (@afterTx::xid8, @afterId)
              AND (tx_id, id) <= (@upToTx::xid8, @upToId)
            ORDER BY tx_id, id
            LIMIT @PageSize
            """,
            new { companyId, hidden = CockpitEvents.HiddenTypePrefix, since, afterTx = after.TxText, afterId = after.Id, upToTx = upTo.TxText, upToId = upTo.Id, PageSize },
            cancellationToken: ct))).AsList();

    /// <summary>
    /// Where event <paramref name="eventId"/> of the company sits in the stream, and whether a client may resume
    /// after it: it must still be stored and be newer than <paramref name="cutoff"/> — unless nothing came after it.
    /// Null when the company has no such delivered event (purged, never sent to it, or another company's: the
    /// same answer, so an id says nothing about other companies).
    /// </summary>
    public static async Task<(EventPosition Position, bool InWindow)?> ResumePointAsync(NpgsqlConnection conn, Guid companyId, Guid eventId,
        DateTimeOffset cutoff, CancellationToken ct)
    {
        var row = await conn.QuerySingleOrDefaultAsync<ResumeRow>(new CommandDefinition(
            """
            SELECT e.tx_id::text AS Tx, e.id AS Id,
                   (e.occurred_at >= @cutoff
                    OR NOT EXISTS (SELECT 1 FROM impact.events n WHERE (n.tx_id, n.id) > (e.tx_id, e.id))) AS InWindow
            FROM impact.events e
            WHERE e.event_id = @eventId AND e.company_id = @companyId AND NOT starts_with(e.type, @hidden)
            """,
            new { eventId, companyId, hidden = CockpitEvents.HiddenTypePrefix, cutoff }, cancellationToken: ct));
        return row is { } r ? (new EventPosition(ulong.Parse(r.Tx, System.Globalization.CultureInfo.InvariantCulture), r.Id), r.InWindow) : null;
    }

    /// <summary>
    /// The id of the company's newest delivered event at or before <paramref name="position"/>, or null when it
    /// has none stored: a resume anchor. Resuming after it replays nothing up to <paramref name="position"/>.
    /// </summary>
    public static Task<Guid?> CompanyAnchorAsync(NpgsqlConnection conn, Guid companyId, EventPosition position, CancellationToken ct) =>
        conn.ExecuteScalarAsync<Guid?>(new CommandDefinition(
            """
            SELECT event_id FROM impact.events
            WHERE company_id = @companyId AND NOT starts_with(type, @hidden)
              AND (tx_id, id) <= (@tx::xid8, @id)
            ORDER BY tx_id DESC, id DESC
            LIMIT 1
            """,
            new { companyId, hidden = CockpitEvents.HiddenTypePrefix, tx = position.TxText, id = position.Id }, cancellationToken: ct));

    /// <summary>Whether the company may stream; null when the company is unknown.</summary>
    public static Task<bool?> StreamingEnabledAsync(NpgsqlConnection conn, Guid companyId, CancellationToken ct) =>
        conn.ExecuteScalarAsync<bool?>(new CommandDefinition(
            "SELECT streaming_enabled FROM impact.companies WHERE id = @companyId",
            new { companyId }, cancellationToken: ct));

    /// <summary>Those of <paramref name="companyIds"/> whose streaming has been switched off (or that no longer exist).</summary>
    public static async Task<List<Guid>> SwitchedOffAsync(NpgsqlConnection conn, IReadOnlyList<Guid> companyIds, CancellationToken ct) =>
        (await conn.QueryAsync<Guid>(new CommandDefinition(
            """
            SELECT requested.id
            FROM unnest(@companyIds) AS requested(id)
            LEFT JOIN impact.companies c ON c.id = requested.id
            WHERE c.streaming_enabled IS NOT TRUE
            """,
            new { companyIds = companyIds.ToArray() }, cancellationToken: ct))).AsList();

    /// <summary>
    /// Deletes one batch of events older than <paramref name="cutoff"/>, always keeping the newest
    /// event (a quiet system still has a resume point) and every event a relay cursor
    /// (<c>impact.event_cursors</c>, e.g. Service Bus) has not passed yet. Returns the number deleted.
    /// </summary>
    public static Task<int> PurgeBatchAsync(NpgsqlConnection conn, DateTimeOffset cutoff, int batch, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition(
            """
            DELETE FROM impact.events
            WHERE id IN (
                SELECT e.id FROM impact.events e
                WHERE e.occurred_at < @cutoff
                  AND e.id <> (SELECT id FROM impact.events ORDER BY tx_id DESC, id DESC LIMIT 1)
                  AND NOT EXISTS (SELECT 1 FROM impact.event_cursors c
                                  WHERE (e.tx_id, e.id) > (c.last_tx_id, c.last_event_id))
                ORDER BY e.id
                LIMIT @batch)
            """,
            new { cutoff, batch }, cancellationToken: ct));

    private sealed record ResumeRow
    {
        public string Tx { get; init; } = "";
        public long Id { get; init; }
        public bool InWindow { get; init; }
    }
}
