using Dapper;
using Impact.Shared.Database;
using Npgsql;

namespace Impact.Shared.Webhooks;

/// <summary>Queries on <c>impact.webhook_deliveries</c>. The unique (source, delivery_id) constraint decides races.</summary>
public sealed class WebhookDeliveries(NpgsqlDataSource dataSource)
{
    /// <summary>
    /// Stores a new delivery (with the W3C trace id of the request, when traced), already marked <c>queued</c>
    /// because its message is sent right after the commit — one statement instead of an insert and a second update
    /// after the send. A send that fails is put back to <c>received</c> (<see cref="MarkUnsentAsync"/>) for the outbox
    /// sweeper; a process that dies between the commit and the send leaves the row <c>queued</c> without a message,
    /// and the sweeper re-queues it once nothing has touched it for <see cref="WebhookOptions.RequeueAfterSeconds"/>
    /// (<see cref="ClaimStaleAsync"/>), so nothing accepted is lost. Or tells whether it is a duplicate or a
    /// conflicting re-use of the id.
    /// </summary>
    public async Task<RecordOutcome> RecordAsync(string source, string deliveryId, string eventType,
        string payloadHash, string payloadJson, CancellationToken ct = default, string? traceId = null)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        var inserted = await conn.ExecuteScalarAsync<long?>(new CommandDefinition(
            """
            INSERT INTO impact.webhook_deliveries (source, delivery_id, event_type, payload_hash, payload, trace_id, status, queued_at)
            VALUES (@source, @deliveryId, @eventType, @payloadHash, @payloadJson::jsonb, @traceId, 'queued', clock_timestamp())
            ON CONFLICT (source, delivery_id) DO NOTHING
            RETURNING id
            """,
            new { source, deliveryId, eventType, payloadHash, payloadJson, traceId }, cancellationToken: ct));
        if (inserted is not null)
        {
            return RecordOutcome.Stored;
        }

        var existingHash = await conn.QuerySingleAsync<string>(new CommandDefinition(
            "SELECT payload_hash FROM impact.webhook_deliveries WHERE source = @source AND delivery_id = @deliveryId",
            new { source, deliveryId }, cancellationToken: ct));
        return existingHash == payloadHash ? RecordOutcome.Duplicate : RecordOutcome.Conflict;
    }

    /// <summary>
    /// The message of a delivery that <see cref="RecordAsync"/> stored as <c>queued</c> could not be sent: back to
    /// <c>received</c>, so the outbox sweeper sends it after <see cref="WebhookOptions.SweepAfterSeconds"/> (only if
    /// nothing has processed or claimed it meanwhile). Best effort: if this fails too, the row stays <c>queued</c>
    /// and the stale sweep re-queues it.
    /// </summary>
    public async Task MarkUnsentAsync(string source, string deliveryId, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE impact.webhook_deliveries
            SET status = 'received', queued_at = NULL, updated_at = clock_timestamp()
            WHERE source = @source AND delivery_id = @deliveryId AND status = 'queued' AND attempts = 0
            """,
            new { source, deliveryId }, cancellationToken: ct));
    }

    /// <summary>Notes that the delivery is on the queue (only if it was still waiting).</summary>
    public async Task MarkQueuedAsync(string source, string deliveryId, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE impact.webhook_deliveries
            SET status = 'queued', queued_at = clock_timestamp(), updated_at = clock_timestamp()
            WHERE source = @source AND delivery_id = @deliveryId AND status = 'received'
            """,
            new { source, deliveryId }, cancellationToken: ct));
    }

    /// <summary>
    /// The outbox sweep: deliveries still <c>received</c> after <paramref name="olderThan"/> are handed to
    /// <paramref name="enqueue"/> and marked queued, in batches; an instance that finds another one sweeping skips
    /// this round. Returns how many were enqueued.
    /// </summary>
    public async Task<int> SweepAsync(TimeSpan olderThan, int batchSize, Func<WebhookMessage, Task> enqueue, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        // An advisory lock, not row locks in an open transaction: no transaction is open while the queue is called.
        await using var turn = await SessionLock.TryAcquireAsync(conn, "impact.webhook_deliveries:sweep", ct);
        if (turn is null)
        {
            return 0;
        }

        var stuck = (await conn.QueryAsync<(long Id, string Source, string DeliveryId)>(new CommandDefinition(
            """
            SELECT id, source, delivery_id
            FROM impact.webhook_deliveries
            WHERE status = 'received' AND received_at < clock_timestamp() - make_interval(secs => @seconds)
            ORDER BY received_at
            LIMIT @batchSize
            """,
            new { seconds = olderThan.TotalSeconds, batchSize }, cancellationToken: ct))).ToList();

        var sent = new List<long>(stuck.Count);
        try
        {
            foreach (var row in stuck)
            {
                await enqueue(new WebhookMessage(row.Source, row.DeliveryId));
                sent.Add(row.Id);
            }
        }
        finally
        {
            // What was sent is marked even when a later send fails; the rest stays received for the next sweep.
            // A delivery processed meanwhile keeps its status.
            await conn.ExecuteAsync(new CommandDefinition(
                """
                UPDATE impact.webhook_deliveries
                SET status = 'queued', queued_at = clock_timestamp(), updated_at = clock_timestamp()
                WHERE id = ANY(@sent) AND status = 'received'
                """,
                new { sent = sent.ToArray() }, cancellationToken: CancellationToken.None));
        }

        return sent.Count;
    }

    /// <summary>
    /// Records a failed processing attempt: <c>failed</c> (the queue retries it), or <c>dead_lettered</c> once
    /// <paramref name="maxAttempts"/> are used up (a dead letter stays one). Returns the row's status and attempts
    /// afterwards, or null when there is nothing to record on (no such row, or it is processed or discarded).
    /// </summary>
    public async Task<(string Status, int Attempts)?> RecordFailureAsync(string source, string deliveryId, string error, int maxAttempts,
        CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        var row = await conn.QuerySingleOrDefaultAsync<(string? Status, int Attempts)>(new CommandDefinition(
            """
            UPDATE impact.webhook_deliveries
            SET status = CASE WHEN status = 'dead_lettered' OR attempts + 1 >= @maxAttempts THEN 'dead_lettered' ELSE 'failed' END,
                attempts = attempts + 1, last_error = left(@error, 2000), updated_at = clock_timestamp()
            WHERE source = @source AND delivery_id = @deliveryId AND status NOT IN ('processed', 'discarded')
            RETURNING status, attempts
            """,
            new { source, deliveryId, error, maxAttempts }, cancellationToken: ct));
        return row.Status is null ? null : (row.Status, row.Attempts);
    }

    /// <summary>
    /// The host gave up on a delivery's message (it reached the poison queue) without the delivery using up its
    /// attempts — the worker stopped or timed out, or the failures could not be recorded. The trip counts as one
    /// failed attempt (its error is kept if one is recorded); then the delivery is dead-lettered when that uses up
    /// <paramref name="maxAttempts"/>, or else marked queued to be put back on the ingest queue. Returns the new
    /// status, or null when there is nothing to do (no such row; processed, discarded or dead-lettered already).
    /// </summary>
    public async Task<string?> RecordPoisonedAsync(string source, string deliveryId, string error, int maxAttempts, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        return await conn.QuerySingleOrDefaultAsync<string?>(new CommandDefinition(
            """
            UPDATE impact.webhook_deliveries
            SET status = CASE WHEN attempts + 1 >= @maxAttempts THEN 'dead_lettered' ELSE 'queued' END,
                attempts = attempts + 1, last_error = COALESCE(last_error, left(@error, 2000)),
                queued_at = clock_timestamp(), updated_at = clock_timestamp()
            WHERE source = @source AND delivery_id = @deliveryId AND status NOT IN ('processed', 'discarded', 'dead_lettered')
            RETURNING status
            """,
            new { source, deliveryId, error, maxAttempts }, cancellationToken: ct));
    }

    /// <summary>
    /// Claims up to <paramref name="batchSize"/> deliveries nothing has touched for <paramref name="olderThan"/>
    /// that are <c>queued</c> (their message was lost or is hidden) or <c>failed</c> with attempts below
    /// <paramref name="maxAttempts"/>, skipping rows being processed, and marks them queued now; returns them
    /// for the caller to enqueue. The claim commits before any message is sent (no network work inside the
    /// transaction): a send that fails leaves the row queued, and the next sweep past the threshold retries it.
    /// With <paramref name="touchedBefore"/> (when the oldest message still waiting in the queue was inserted), only rows
    /// touched before it are claimed: in a backlog, a row touched later still has its message waiting behind that one, and
    /// a second message would only grow the backlog.
    /// </summary>
    public async Task<IReadOnlyList<WebhookMessage>> ClaimStaleAsync(TimeSpan olderThan, int maxAttempts, int batchSize, CancellationToken ct = default,
        DateTimeOffset? touchedBefore = null)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        return (await conn.QueryAsync<WebhookMessage>(new CommandDefinition(
            """
            WITH stale AS (
                SELECT id
                FROM impact.webhook_deliveries
                WHERE status IN ('queued', 'failed')
                  AND (status = 'queued' OR attempts < @maxAttempts)
                  AND updated_at < clock_timestamp() - make_interval(secs => @seconds)
                  AND (@touchedBefore::timestamptz IS NULL OR updated_at < @touchedBefore::timestamptz)
                ORDER BY updated_at
                LIMIT @batchSize
                FOR UPDATE SKIP LOCKED)
            UPDATE impact.webhook_deliveries d
            SET status = 'queued', queued_at = clock_timestamp(), updated_at = clock_timestamp()
            FROM stale
            WHERE d.id = stale.id
            RETURNING d.source, d.delivery_id AS DeliveryId
            """,
            new { seconds = olderThan.TotalSeconds, maxAttempts, batchSize, touchedBefore = touchedBefore?.UtcDateTime }, cancellationToken: ct))).ToList();
    }

    /// <summary>
    /// Dead-letters <c>failed</c> deliveries whose attempts reached <paramref name="maxAttempts"/> (e.g. after the
    /// limit was lowered), so everything that gave up is in the dead-letter list; returns how many.
    /// </summary>
    public async Task<int> DeadLetterExhaustedAsync(int maxAttempts, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        return await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE impact.webhook_deliveries
            SET status = 'dead_lettered', updated_at = clock_timestamp()
            WHERE status = 'failed' AND attempts >= @maxAttempts
            """,
            new { maxAttempts }, cancellationToken: ct));
    }

    /// <summary>One delivery, or null.</summary>
    public async Task<DeliveryRow?> FindAsync(string source, string deliveryId, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        return await conn.QuerySingleOrDefaultAsync<DeliveryRow>(new CommandDefinition(
            """
            SELECT id, source, delivery_id AS DeliveryId, event_type AS EventType, payload_hash AS PayloadHash,
                   payload::text AS Payload, status, attempts, last_error AS LastError, received_at AS ReceivedAt,
                   queued_at AS QueuedAt, processed_at AS ProcessedAt, updated_at AS UpdatedAt
            FROM impact.webhook_deliveries
            WHERE source = @source AND delivery_id = @deliveryId
            """,
            new { source, deliveryId }, cancellationToken: ct));
    }

    /// <summary>Deletes finished deliveries older than the retention; returns how many.</summary>
    public async Task<int> PurgeAsync(TimeSpan retention, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        return await conn.ExecuteAsync(new CommandDefinition(
            """
            DELETE FROM impact.webhook_deliveries
            WHERE status IN ('processed', 'discarded') AND received_at < clock_timestamp() - make_interval(secs => @seconds)
            """,
            new { seconds = retention.TotalSeconds }, cancellationToken: ct));
    }
}
