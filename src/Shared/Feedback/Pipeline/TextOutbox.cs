using Dapper;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Impact.Shared.Feedback.Pipeline;

/// <summary>
/// The texts outbox: a text row is committed first, then its id goes on the text-screening queue. A send
/// that fails leaves the row <c>received</c> (or <c>released</c> without <c>queued_at</c>) for the sweeper,
/// so nothing stored is lost; processing is idempotent, so a text queued twice is processed once. Texts a rate limit or
/// budget deferred are queued again once their <c>retry_at</c> (the app's clock) has passed.
/// </summary>
public sealed partial class TextOutbox(NpgsqlDataSource dataSource, TextQueue queue, IOptions<TextPipelineOptions> options, TimeProvider clock,
    ILogger<TextOutbox> logger)
{
    /// <summary>Queues the texts now (one message) and notes it; a queue failure is logged and left to the sweeper. Returns whether it was sent.</summary>
    public async Task<bool> TryEnqueueAsync(IReadOnlyList<Guid> textIds, CancellationToken ct = default)
    {
        if (textIds.Count == 0)
        {
            return true;
        }

        try
        {
            await queue.SendAsync(new TextMessage(textIds), ct);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            LogQueueUnavailable(logger, e.GetType().Name, textIds.Count);
            return false;
        }

        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await MarkQueuedAsync(conn, null, [.. textIds], ct);
        return true;
    }

    /// <summary>
    /// One sweep: texts still <c>received</c> (or released by a reviewer and not yet queued) for longer than
    /// <see cref="TextPipelineOptions.SweepAfterSeconds"/> are sent in messages of
    /// <see cref="TextPipelineOptions.IdsPerMessage"/> ids and marked queued, at most
    /// <see cref="TextPipelineOptions.SweepBatchSize"/> per call, skipping rows another instance is sweeping; so are
    /// <c>deferred</c> texts whose <c>retry_at</c> has passed (their next <c>retry_at</c> is pushed back by the same delay,
    /// in case the message is lost). Returns how many were queued.
    /// </summary>
    public async Task<int> SweepAsync(CancellationToken ct = default)
    {
        var o = options.Value;
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var args = new { seconds = (double)o.SweepAfterSeconds, batch = o.SweepBatchSize };
        // Separate queries, not one with OR: each walks its own index in order and stops at the batch size.
        var received = await conn.QueryAsync<Guid>(new CommandDefinition(
            """
            SELECT id FROM impact.texts
            WHERE status = 'received' AND received_at < clock_timestamp() - make_interval(secs => @seconds)
            ORDER BY received_at
            LIMIT @batch
            FOR UPDATE SKIP LOCKED
            """, args, tx, cancellationToken: ct));
        var released = await conn.QueryAsync<Guid>(new CommandDefinition(
            """
            SELECT id FROM impact.texts
            WHERE status = 'released' AND queued_at IS NULL AND released_at < clock_timestamp() - make_interval(secs => @seconds)
            LIMIT @batch
            FOR UPDATE SKIP LOCKED
            """, args, tx, cancellationToken: ct));
        var now = clock.GetUtcNow();
        var deferred = (await conn.QueryAsync<Guid>(new CommandDefinition(
            """
            SELECT id FROM impact.texts
            WHERE status = 'deferred' AND retry_at <= @now
            ORDER BY retry_at
            LIMIT @batch
            FOR UPDATE SKIP LOCKED
            """, new { now = now.UtcDateTime, batch = o.SweepBatchSize }, tx, cancellationToken: ct))).ToArray();
        var ids = received.Concat(released).Concat(deferred).ToArray();

        foreach (var batch in ids.Chunk(o.IdsPerMessage))
        {
            await queue.SendAsync(new TextMessage(batch), ct);
        }

        await MarkQueuedAsync(conn, tx, ids, ct);
        if (deferred.Length > 0)
        {
            await conn.ExecuteAsync(new CommandDefinition(
                "UPDATE impact.texts SET retry_at = @next, queued_at = clock_timestamp(), updated_at = clock_timestamp() WHERE id = ANY(@deferred)",
                new { deferred, next = (now + TimeSpan.FromSeconds(Math.Max(o.SweepAfterSeconds, 10))).UtcDateTime }, tx, cancellationToken: ct));
        }

        await tx.CommitAsync(ct);
        return ids.Length;
    }

    private static Task MarkQueuedAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, Guid[] ids, CancellationToken ct) =>
        conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE impact.texts
            SET status = CASE WHEN status = 'received' THEN 'queued' ELSE status END,
                queued_at = clock_timestamp(), updated_at = clock_timestamp()
            WHERE id = ANY(@ids) AND status IN ('received', 'released')
            """,
            new { ids }, tx, cancellationToken: ct));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Text queue unavailable ({ErrorKind}); {Count} texts left for the outbox sweeper")]
    private static partial void LogQueueUnavailable(ILogger logger, string errorKind, int count);
}
