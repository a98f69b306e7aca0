using Dapper;
using Impact.Shared.Events;
using Impact.Shared.Journeys;
using Impact.TestSupport.ImpactIn;
using Npgsql;

namespace Impact.Ingest.Tests.Journeys;

/// <summary>
/// Writes the rows journeys read — sessions, ratings, outcome scores — each with the event the real
/// writer appends in the same transaction (the Kintell processor's shapes), so the evaluator sees them as it would in production.
/// </summary>
public sealed class JourneyData(NpgsqlDataSource db)
{
    public Task<Guid> CompanyAsync(string name = "Acme") => ImpactData.CompanyAsync(db, name);

    public Task<Guid> UserAsync(string role, Guid? companyId) => ImpactData.UserAsync(db, role, companyId);

    /// <summary>A completed session and its <c>kintell.session.completed</c> event; returns its external id.</summary>
    public async Task<string> SessionAsync(Guid companyId, Guid participant, Guid volunteer, DateTimeOffset completedAt,
        string type = "language", int minutes = 60, string? level = null, string? externalId = null)
    {
        externalId ??= "s-" + Guid.NewGuid().ToString("N");
        await using var conn = await db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        var id = await conn.ExecuteScalarAsync<Guid>(
            """
            INSERT INTO impact.kintell_sessions (external_id, session_type, participant_id, volunteer_id, company_id, completed_at, duration_minutes, language_level)
            VALUES (@externalId, @type, @participant, @volunteer, @companyId, @at, @minutes, @level)
            ON CONFLICT (external_id) DO UPDATE SET updated_at = now()
            RETURNING id
            """, new { externalId, type, participant, volunteer, companyId, at = completedAt.UtcDateTime, minutes, level }, tx);
        await EventLog.AppendAsync(conn, tx, EventTypes.SessionCompleted, companyId, new
        {
            sessionId = id, externalId, sessionType = type, participantId = participant, volunteerId = volunteer,
            completedAt, durationMinutes = minutes,
        });
        await tx.CommitAsync();
        return externalId;
    }

    /// <summary>A rating (1–5) of a session and its <c>kintell.rating.created</c> event.</summary>
    public async Task RatingAsync(Guid companyId, string sessionExternalId, Guid rater, string fromRole, int rating, DateTimeOffset at,
        string? externalId = null)
    {
        externalId ??= "r-" + Guid.NewGuid().ToString("N");
        await using var conn = await db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        var id = await conn.ExecuteScalarAsync<Guid>(
            """
            INSERT INTO impact.kintell_ratings (external_id, session_external_id, rater_id, from_role, rating, rating_normalized, rated_at)
            VALUES (@externalId, @sessionExternalId, @rater, @fromRole, @rating, @normalized, @at)
            ON CONFLICT (external_id) DO UPDATE SET updated_at = now()
            RETURNING id
            """, new { externalId, sessionExternalId, rater, fromRole, rating = (short)rating, normalized = (rating - 1) / 4.0, at = at.UtcDateTime }, tx);
        await EventLog.AppendAsync(conn, tx, EventTypes.RatingCreated, companyId, new
        {
            ratingId = id, externalId, sessionExternalId, fromRole, raterId = rater, rating, ratingNormalized = (rating - 1) / 4.0,
        });
        await tx.CommitAsync();
    }

    /// <summary>One outcome score of a text the user wrote, and a <c>q2q.outcome.scored</c>-shaped event naming the user.</summary>
    public async Task ScoreAsync(Guid? companyId, Guid user, string dimension, double score, DateTimeOffset at, string language = "en")
    {
        await using var conn = await db.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        var textId = await conn.ExecuteScalarAsync<Guid>(
            """
            INSERT INTO impact.texts (source, content_id, content_type, company_id, user_id, text, status, language)
            VALUES ('api', @contentId, 'feedback_text', @companyId, @user, 'feedback', 'classified', @language) RETURNING id
            """, new { contentId = Guid.NewGuid().ToString("N"), companyId, user, language }, tx);
        await conn.ExecuteAsync(
            """
            INSERT INTO impact.outcome_scores (text_id, user_id, company_id, dimension, score, model_id, provider, prompt_version, language, method, scored_at)
            VALUES (@textId, @user, @companyId, @dimension, @score, 'test', 'embedded', 'v1', @language, 'embedded', @at)
            """, new { textId, user, companyId, dimension, score, language, at = at.UtcDateTime }, tx);
        await EventLog.AppendAsync(conn, tx, "q2q.outcome.scored", companyId, new { textId, userId = user, dimension, score });
        await tx.CommitAsync();
    }

    /// <summary>
    /// Runs the evaluator until its cursor has passed every event written so far. The evaluator only reads events of
    /// finished transactions older than the oldest one still running anywhere in the cluster (transaction ids are
    /// cluster-wide), so while other tests hold long transactions a pass may see nothing yet: wait for them.
    /// </summary>
    public async Task<EvaluationPass> CatchUpAsync(JourneyEvaluator evaluator)
    {
        var last = await ScalarAsync<long>("SELECT coalesce(max(id), 0) FROM impact.events");
        var total = new EvaluationPass(0, 0, 0);
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (true)
        {
            var pass = await evaluator.RunToEndAsync();
            total = new EvaluationPass(total.Events + pass.Events, total.Users + pass.Users, total.Changes + pass.Changes);
            var behind = await ScalarAsync<bool>(
                """
                SELECT EXISTS (SELECT 1 FROM impact.events e, impact.event_cursors c
                               WHERE c.name = 'journeys' AND e.id <= @last AND (e.tx_id, e.id) > (c.last_tx_id, c.last_event_id))
                """, new { last });
            if (!behind)
            {
                return total;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The journey evaluator did not catch up with the events within 120 s.");
            }

            await Task.Delay(50);
        }
    }

    public Task<T> ScalarAsync<T>(string sql, object? args = null) => ImpactData.ScalarAsync<T>(db, sql, args);

    public Task<List<T>> QueryAsync<T>(string sql, object? args = null) => ImpactData.QueryAsync<T>(db, sql, args);
}
