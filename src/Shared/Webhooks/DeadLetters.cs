using Dapper;
using Npgsql;

namespace Impact.Shared.Webhooks;

/// <summary>A delivery the queue gave up on.</summary>
public sealed record DeadLetter(string Source, string DeliveryId, string EventType, int Attempts, string? LastError,
    DateTime ReceivedAt, DateTime DeadLetteredAt);

/// <summary>Totals over the dead-letter list.</summary>
public sealed record DeadLetterStats(long Total, DateTime? Oldest, DateTime? Newest, IReadOnlyDictionary<string, long> ByEventType);

/// <summary>Queries behind the dead-letter endpoints.</summary>
public sealed class DeadLetters(NpgsqlDataSource dataSource)
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

    /// <summary>Marks a dead letter discarded and audits who did it. False when it is not dead-lettered.</summary>
    public async Task<bool> DiscardAsync(string source, string deliveryId, string performedBy, string? reason, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var changed = await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE impact.webhook_deliveries SET status = 'discarded', updated_at = now()
            WHERE source = @source AND delivery_id = @deliveryId AND status = 'dead_lettered'
            """,
            new { source, deliveryId }, tx, cancellationToken: ct));
        if (changed == 1)
        {
            await AuditAsync(conn, tx, "webhook.dlq.discard", source, deliveryId, performedBy, reason, ct);
        }

        await tx.CommitAsync(ct);
        return changed == 1;
    }

    /// <summary>Puts every dead letter received since <paramref name="since"/> back in the outbox; returns them.</summary>
    public async Task<IReadOnlyList<WebhookMessage>> ReleaseSinceAsync(DateTimeOffset since, string performedBy, CancellationToken ct = default)
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
            await AuditAsync(conn, tx, "webhook.dlq.replay", m.Source, m.DeliveryId, performedBy, $"bulk replay since {since:O}", ct);
        }

        await tx.CommitAsync(ct);
        return released;
    }

    /// <summary>Audits a single replay.</summary>
    public async Task AuditReplayAsync(string source, string deliveryId, string performedBy, string outcome, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        await AuditAsync(conn, tx, "webhook.dlq.replay", source, deliveryId, performedBy, outcome, ct);
        await tx.CommitAsync(ct);
    }

    private static Task AuditAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string action, string source, string deliveryId,
        string performedBy, string? note, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO impact.audit_log (action, subject, details, performed_by)
            VALUES (@action, @subject, jsonb_build_object('note', @note::text), @performedBy)
            """,
            new { action, subject = $"{source}:{deliveryId}", note, performedBy }, tx, cancellationToken: ct));
}
