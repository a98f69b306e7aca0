using Dapper;
using Npgsql;

namespace Impact.Shared.Feedback.Pipeline;

/// <summary>
/// Writes to <c>impact.texts</c> inside another feature's transaction (a rating upsert, a backfill
/// chunk, a text sent to the API), so a text exists exactly when its source row was committed.
/// </summary>
public static class TextRows
{
    // A changed text starts over: a new revision, back to 'received', everything derived cleared
    // (its old flags and scores are replaced when the new revision is processed).
    private const string ChangedTextReset = """
        text = EXCLUDED.text, content_type = EXCLUDED.content_type, company_id = EXCLUDED.company_id, user_id = EXCLUDED.user_id,
        revision = t.revision + 1, status = 'received', risk = NULL, language = NULL, language_confidence = NULL,
        screened_at = NULL, released_at = NULL, released_by = NULL, model_id = NULL, unscored_reason = NULL,
        attempts = 0, last_error = NULL, queued_at = NULL, processed_at = NULL,
        received_at = clock_timestamp(), updated_at = clock_timestamp()
        """;

    /// <summary>
    /// Stores a text, or replaces it when its content changed. Returns the id to queue (new or changed), or
    /// null when the same text was already stored (nothing to do).
    /// </summary>
    public static Task<Guid?> UpsertAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string source, string contentId, string contentType,
        Guid? companyId, Guid? userId, string text, CancellationToken ct = default) =>
        conn.QuerySingleOrDefaultAsync<Guid?>(new CommandDefinition(
            $"""
            INSERT INTO impact.texts AS t (source, content_id, content_type, company_id, user_id, text)
            VALUES (@source, @contentId, @contentType, @companyId, @userId, @text)
            ON CONFLICT (source, content_id) DO UPDATE SET
            {ChangedTextReset}
            WHERE t.text IS DISTINCT FROM EXCLUDED.text
            RETURNING id
            """,
            new { source, contentId, contentType, companyId, userId, text }, tx, cancellationToken: ct));

    /// <summary>Deletes a text whose source no longer has one (a rating re-sent without feedback), with its flags and scores.</summary>
    public static Task<int> DeleteAsync(NpgsqlConnection conn, NpgsqlTransaction tx, string source, string contentId, CancellationToken ct = default) =>
        conn.ExecuteAsync(new CommandDefinition(
            "DELETE FROM impact.texts WHERE source = @source AND content_id = @contentId",
            new { source, contentId }, tx, cancellationToken: ct));

    /// <summary>
    /// The feedback texts of a backfill chunk, set-based from its staging table <c>backfill_sessions_stage</c>
    /// (a rating row needs a rating, so does its text). Stored as <c>received</c> with no queue message: the
    /// outbox sweeper queues them in batches, so the import does not wait for the queue. A text longer than
    /// the pipeline's limit is screened and scored on its first 10,000 characters (the rating keeps all of it).
    /// Returns how many texts were new or changed.
    /// </summary>
    public static Task<int> InsertFromBackfillStageAsync(NpgsqlConnection conn, NpgsqlTransaction tx, int commandTimeoutSeconds, CancellationToken ct = default) =>
        conn.ExecuteAsync(new CommandDefinition(
            $"""
            INSERT INTO impact.texts AS t (source, content_id, content_type, company_id, user_id, text)
            SELECT DISTINCT ON (s.external_id)
                   'kintell_rating', s.external_id || ':participant', 'feedback_text', v.company_id, p.id, left(s.feedback_text, {TextSources.MaxTextLength})
            FROM backfill_sessions_stage s
            JOIN impact.users p ON p.email = s.participant_email
            JOIN impact.users v ON v.email = s.volunteer_email
            WHERE s.rating IS NOT NULL AND s.feedback_text IS NOT NULL AND s.feedback_text <> ''
            ORDER BY s.external_id, s.row_number DESC
            ON CONFLICT (source, content_id) DO UPDATE SET
            {ChangedTextReset}
            WHERE t.text IS DISTINCT FROM EXCLUDED.text
            """, transaction: tx, commandTimeout: commandTimeoutSeconds, cancellationToken: ct));
}
