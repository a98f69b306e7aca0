using System.Net;
using Dapper;
using Impact.Shared.Events;
using Impact.Shared.Feedback.Pipeline;
using Impact.Shared.Http;
using Impact.Shared.Security;
using Npgsql;

namespace Impact.Shared.Feedback.Review;

/// <summary>
/// The safety review queue of SPEC §G, always of the caller's company (another company's item is the same 404 as an
/// unknown id). A decision is audited and announced (<c>safety.review.completed</c>) in its transaction; approving a
/// held text releases it, and it is queued to be classified once.
/// </summary>
public sealed class SafetyReviewStore(NpgsqlDataSource dataSource, ITextScreener screener, TextOutbox outbox)
{
    /// <summary>The longest notes a reviewer may write.</summary>
    public const int MaxNotesLength = 2000;

    private const string ItemColumns = """
        q.id, q.text_id AS TextId, q.risk, q.status,
        coalesce((SELECT string_agg(f.category, ',' ORDER BY f.score DESC, f.category) FROM impact.safety_flags f WHERE f.text_id = q.text_id), '') AS Categories,
        t.status AS TextStatus, q.reviewer, q.created_at AS CreatedAt, q.decided_at AS DecidedAt
        """;

    /// <summary>A page of the caller's company's queue, oldest first, optionally by status and risk.</summary>
    public async Task<ReviewPage> ListAsync(Caller caller, string? status, string? risk, int page, int limit, CancellationToken ct = default)
    {
        var company = CompanyOf(caller);
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        var args = new { company, status, risk, limit, offset = (page - 1) * limit };
        const string filter = """
            WHERE q.company_id = @company AND (@status::text IS NULL OR q.status = @status) AND (@risk::text IS NULL OR q.risk = @risk)
            """;
        var total = await conn.ExecuteScalarAsync<long>(new CommandDefinition(
            $"SELECT count(*) FROM impact.safety_review_queue q {filter}", args, cancellationToken: ct));
        var items = await conn.QueryAsync<ItemRow>(new CommandDefinition(
            $"""
            SELECT {ItemColumns}
            FROM impact.safety_review_queue q JOIN impact.texts t ON t.id = q.text_id
            {filter}
            ORDER BY q.created_at, q.id
            LIMIT @limit OFFSET @offset
            """, args, cancellationToken: ct));
        return new ReviewPage(items.Select(i => i.ToItem()).ToList(), page, limit, total);
    }

    /// <summary>One item, with the masked text and every flag.</summary>
    /// <exception cref="ProblemException">404 for an unknown id or another company's item.</exception>
    public async Task<ReviewItemDetail> GetAsync(Caller caller, Guid id, CancellationToken ct = default)
    {
        var company = CompanyOf(caller);
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        var item = await conn.QuerySingleOrDefaultAsync<DetailRow>(new CommandDefinition(
            $"""
            SELECT {ItemColumns}, t.text, t.content_type AS ContentType, t.language, q.notes
            FROM impact.safety_review_queue q JOIN impact.texts t ON t.id = q.text_id
            WHERE q.id = @id AND q.company_id = @company
            """, new { id, company }, cancellationToken: ct)) ?? throw NotFound(id);
        var flags = await conn.QueryAsync<FlagRow>(new CommandDefinition(
            """
            SELECT category, score, risk, array_to_json(reasons)::text AS Reasons, status FROM impact.safety_flags
            WHERE text_id = @TextId ORDER BY score DESC, category
            """, new { item.TextId }, cancellationToken: ct));
        return new ReviewItemDetail(item.ToItem(), screener.Screen(item.Text, item.Language is "en" or "uk" or "no" ? item.Language : null).MaskedText,
            item.ContentType, item.Language, flags.Select(f => new ReviewFlag(f.Category, f.Score, f.Risk, System.Text.Json.JsonSerializer.Deserialize<string[]>(f.Reasons)!, f.Status)).ToList(), item.Notes);
    }

    /// <summary>
    /// Decides an item (<c>approve|reject|escalate</c>): the item and the text's flags take the decision; approve releases a
    /// held text (queued to be classified once); reject marks the text rejected and removes its scores; escalate leaves
    /// the text as it is. Audited as <c>safety.review.decision</c>; an approved or rejected item cannot be decided again.
    /// </summary>
    /// <exception cref="ProblemException">404 unknown or another company's item; 409 already approved or rejected.</exception>
    public async Task<ReviewItem> DecideAsync(Caller caller, Guid id, string decision, string? notes, CancellationToken ct = default)
    {
        var company = CompanyOf(caller);
        var status = ReviewStatus.Decisions[decision];
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var current = await conn.QuerySingleOrDefaultAsync<(Guid TextId, string Status, string Risk)>(new CommandDefinition(
            "SELECT text_id, status, risk FROM impact.safety_review_queue WHERE id = @id AND company_id = @company FOR UPDATE",
            new { id, company }, tx, cancellationToken: ct));
        if (current.Status is null)
        {
            throw NotFound(id);
        }

        if (current.Status is ReviewStatus.Approved or ReviewStatus.Rejected)
        {
            throw new ProblemException(HttpStatusCode.Conflict, "Already decided",
                $"Review item '{id}' was already {current.Status}; a decided item cannot be decided again.");
        }

        var textId = current.TextId;
        await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE impact.safety_review_queue SET status = @status, reviewer = @reviewer, notes = @notes, decided_at = clock_timestamp()
            WHERE id = @id;
            UPDATE impact.safety_flags SET status = @status WHERE text_id = @textId AND requires_review;
            """, new { id, status, reviewer = caller.Principal, notes, textId }, tx, cancellationToken: ct));
        var released = false;
        if (status == ReviewStatus.Approved)
        {
            released = await conn.ExecuteAsync(new CommandDefinition(
                """
                UPDATE impact.texts SET status = 'released', released_at = clock_timestamp(), released_by = @reviewer, queued_at = NULL,
                                        updated_at = clock_timestamp()
                WHERE id = @textId AND status = 'held'
                """, new { textId, reviewer = caller.Principal }, tx, cancellationToken: ct)) == 1;
        }
        else if (status == ReviewStatus.Rejected)
        {
            await conn.ExecuteAsync(new CommandDefinition(
                """
                DELETE FROM impact.outcome_scores WHERE text_id = @textId;
                UPDATE impact.texts SET status = 'rejected', processed_at = clock_timestamp(), updated_at = clock_timestamp() WHERE id = @textId;
                """, new { textId }, tx, cancellationToken: ct));
        }

        // Notes are free text: they stay in the queue row, never in the audit details or the event.
        await AuditLog.AppendAsync(conn, tx, caller, "safety.review.decision", $"safety_review:{id}",
            new { decision, risk = current.Risk, textId, released, withNotes = notes is not null }, ct);
        await EventLog.AppendAsync(conn, tx, EventTypes.SafetyReviewCompleted, company, new
        {
            reviewItemId = id, textId, decision, status, risk = current.Risk, released,
        }, $"text:{textId}", ct);
        var item = await conn.QuerySingleAsync<ItemRow>(new CommandDefinition(
            $"SELECT {ItemColumns} FROM impact.safety_review_queue q JOIN impact.texts t ON t.id = q.text_id WHERE q.id = @id",
            new { id }, tx, cancellationToken: ct));
        await tx.CommitAsync(ct);
        if (released)
        {
            await outbox.TryEnqueueAsync([textId], ct);
        }

        return item.ToItem();
    }

    /// <summary>The caller's company's queue in numbers.</summary>
    public async Task<ReviewStats> StatsAsync(Caller caller, CancellationToken ct = default)
    {
        var company = CompanyOf(caller);
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        using var grid = await conn.QueryMultipleAsync(new CommandDefinition(
            """
            SELECT status AS Key, count(*) AS Count FROM impact.safety_review_queue WHERE company_id = @company GROUP BY status;
            SELECT risk AS Key, count(*) AS Count FROM impact.safety_review_queue
            WHERE company_id = @company AND status IN ('pending', 'escalated') GROUP BY risk;
            SELECT category AS Key, count(*) AS Count FROM impact.safety_flags WHERE company_id = @company GROUP BY category;
            SELECT count(*) FROM impact.texts WHERE company_id = @company AND status = 'held';
            SELECT min(created_at) FROM impact.safety_review_queue WHERE company_id = @company AND status IN ('pending', 'escalated');
            """, new { company }, cancellationToken: ct));
        var byStatus = (await grid.ReadAsync<(string Key, long Count)>()).ToDictionary(r => r.Key, r => r.Count);
        var byRisk = (await grid.ReadAsync<(string Key, long Count)>()).ToDictionary(r => r.Key, r => r.Count);
        var byCategory = (await grid.ReadAsync<(string Key, long Count)>()).ToDictionary(r => r.Key, r => r.Count);
        var held = await grid.ReadSingleAsync<long>();
        var oldest = await grid.ReadSingleAsync<DateTime?>();
        return new ReviewStats(
            ReviewStatus.All.ToDictionary(s => s, s => byStatus.GetValueOrDefault(s)),
            new[] { "medium", "high" }.ToDictionary(r => r, r => byRisk.GetValueOrDefault(r)),
            SafetyCategories.All.ToDictionary(c => c, c => byCategory.GetValueOrDefault(c)),
            held, oldest is { } o ? new DateTimeOffset(o, TimeSpan.Zero) : null);
    }

    private static Guid CompanyOf(Caller caller) => caller.CompanyId
        ?? throw new ProblemException(HttpStatusCode.Forbidden, "A company is required", "The review queue is per company: the token carries no company claim.");

    private static ProblemException NotFound(Guid id) => ProblemException.NotFound($"There is no review item with id '{id}'.");

    private record ItemRow(Guid Id, Guid TextId, string Risk, string Status, string Categories, string TextStatus, string? Reviewer,
        DateTime CreatedAt, DateTime? DecidedAt)
    {
        public ReviewItem ToItem() => new(Id, TextId, Risk, Status, Categories.Split(',', StringSplitOptions.RemoveEmptyEntries), TextStatus, Reviewer,
            new DateTimeOffset(CreatedAt, TimeSpan.Zero), DecidedAt is { } d ? new DateTimeOffset(d, TimeSpan.Zero) : null);
    }

    private sealed record DetailRow(Guid Id, Guid TextId, string Risk, string Status, string Categories, string TextStatus, string? Reviewer,
        DateTime CreatedAt, DateTime? DecidedAt, string Text, string ContentType, string? Language, string? Notes)
        : ItemRow(Id, TextId, Risk, Status, Categories, TextStatus, Reviewer, CreatedAt, DecidedAt);

    private sealed record FlagRow(string Category, double Score, string Risk, string Reasons, string Status);
}
