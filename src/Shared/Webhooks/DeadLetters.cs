using Impact.Shared.Security;
using System.Net;
using Dapper;
using Impact.Shared.Http;
using Npgsql;

namespace Impact.Shared.Webhooks;

/// <summary>
/// The operator's actions on deliveries the queue gave up on: list, replay, discard, each audited in
/// <c>impact.audit_log</c>. What the caller can act on (no such delivery, not dead-lettered, failed
/// again) is a <see cref="ProblemException"/>.
/// </summary>
public sealed class DeadLetters(NpgsqlDataSource dataSource, WebhookDeliveries deliveries, KintellProcessor processor, WebhookQueue queue)
{
    /// <summary>The newest dead letters first, optionally of one event type.</summary>
    public async Task<IReadOnlyList<DeadLetter>> ListAsync(int limit, string? eventType, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        return (await conn.QueryAsync<DeadLetter>(new CommandDefinition(
            """
            SELECT source, delivery_id AS DeliveryId, event_type AS EventType, attempts, last_error AS LastError,
                   received_at AS ReceivedAt, updated_at AS DeadLetteredAt
            FROM impact.webhook_deliveries
            WHERE status = 'dead_lettered' AND (@eventType::text IS NULL OR event_type = @eventType)
            ORDER BY updated_at DESC
            LIMIT @limit
            """,
            new { limit, eventType }, cancellationToken: ct))).ToList();
    }

    /// <summary>Count, oldest, newest and count per event type.</summary>
    public async Task<DeadLetterStats> StatsAsync(CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        var byType = (await conn.QueryAsync<(string EventType, long Count, DateTime Oldest, DateTime Newest)>(new CommandDefinition(
            """
            SELECT event_type, count(*), min(updated_at), max(updated_at)
            FROM impact.webhook_deliveries
            WHERE status = 'dead_lettered'
            GROUP BY event_type
            """,
            cancellationToken: ct))).ToList();
        return new DeadLetterStats(
            byType.Sum(t => t.Count),
            byType.Count == 0 ? null : byType.Min(t => t.Oldest),
            byType.Count == 0 ? null : byType.Max(t => t.Newest),
            byType.ToDictionary(t => t.EventType, t => t.Count));
    }

    /// <summary>Marks a dead letter discarded and audits who did it (the caller's principal).</summary>
    /// <exception cref="ProblemException">404: there is no dead-lettered delivery of that id.</exception>
    public async Task DiscardAsync(string source, string deliveryId, Caller caller, string? reason, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var changed = await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE impact.webhook_deliveries SET status = 'discarded', updated_at = now()
            WHERE source = @source AND delivery_id = @deliveryId AND status = 'dead_lettered'
            """,
            new { source, deliveryId }, tx, cancellationToken: ct));
        if (changed != 1)
        {
            throw ProblemException.NotFound($"No dead-lettered delivery {deliveryId}.");
        }

        await AuditAsync(conn, tx, "webhook.dlq.discard", source, deliveryId, caller, reason, ct);
        await tx.CommitAsync(ct);
    }

    /// <summary>
    /// Processes a dead letter again, now, so the operator sees whether the fix worked; audits the outcome.
    /// </summary>
    /// <exception cref="ProblemException">404: no such delivery; 409: it is not dead-lettered;
    /// 422: it failed again (and stays dead-lettered), with the new error. A transient database error is no
    /// failure of the delivery: it propagates (503 with Retry-After) and the delivery stays as it was.</exception>
    public async Task ReplayAsync(string source, string deliveryId, Caller caller, CancellationToken ct = default)
    {
        var delivery = await deliveries.FindAsync(source, deliveryId, ct)
            ?? throw ProblemException.NotFound($"No delivery {deliveryId}.");
        if (delivery.Status != WebhookDeliveryStatus.DeadLettered)
        {
            throw new ProblemException(HttpStatusCode.Conflict, "Not dead-lettered",
                $"Delivery {deliveryId} is '{delivery.Status}'; only dead-lettered deliveries can be replayed.");
        }

        try
        {
            await processor.ProcessAsync(source, deliveryId, ct);
        }
        catch (DeliveryFailedException)
        {
            await AuditReplayAsync(source, deliveryId, caller, WebhookDeliveryStatus.Failed, ct);
            var after = await deliveries.FindAsync(source, deliveryId, ct);
            throw new ProblemException(HttpStatusCode.UnprocessableEntity, "Replay failed",
                $"Delivery {deliveryId} failed again and stays dead-lettered: {after?.LastError}");
        }

        await AuditReplayAsync(source, deliveryId, caller, WebhookDeliveryStatus.Processed, ct);
    }

    /// <summary>
    /// Puts every dead letter received since <paramref name="since"/> back on the queue (audited);
    /// returns their delivery ids. A send that fails leaves its row <c>received</c>: the outbox sweeper
    /// enqueues it later.
    /// </summary>
    public async Task<IReadOnlyList<string>> ReplaySinceAsync(DateTimeOffset since, Caller caller, CancellationToken ct = default)
    {
        var released = await ReleaseSinceAsync(since, caller, ct);
        foreach (var m in released)
        {
            await queue.SendAsync(m, ct);
            await deliveries.MarkQueuedAsync(m.Source, m.DeliveryId, ct);
        }

        return released.Select(m => m.DeliveryId).ToList();
    }

    // Every dead letter received since then back in the outbox ('received'), audited in the same transaction.
    private async Task<IReadOnlyList<WebhookMessage>> ReleaseSinceAsync(DateTimeOffset since, Caller caller, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var released = (await conn.QueryAsync<WebhookMessage>(new CommandDefinition(
            """
            UPDATE impact.webhook_deliveries SET status = 'received', updated_at = now()
            WHERE status = 'dead_lettered' AND received_at >= @since
            RETURNING source, delivery_id AS DeliveryId
            """,
            new { since = since.ToUniversalTime() }, tx, cancellationToken: ct))).ToList();
        foreach (var m in released)
        {
            await AuditAsync(conn, tx, "webhook.dlq.replay", m.Source, m.DeliveryId, caller, $"bulk replay since {since:O}", ct);
        }

        await tx.CommitAsync(ct);
        return released;
    }

    private async Task AuditReplayAsync(string source, string deliveryId, Caller caller, string outcome, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await AuditAsync(conn, tx, "webhook.dlq.replay", source, deliveryId, caller, outcome, ct);
        await tx.CommitAsync(ct);
    }

    private static Task AuditAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string action, string source, string deliveryId,
        Caller caller, string? note, CancellationToken ct) =>
        AuditLog.AppendAsync(conn, tx, caller, action, $"{source}:{deliveryId}", new { note }, ct);
}
