using System.Text;
using Dapper;
using Impact.Shared.Events;
using Impact.Shared.Feedback.Pipeline;
using Impact.Shared.Http;
using Microsoft.Extensions.Options;
using Impact.Shared.Telemetry;
using Npgsql;

namespace Impact.Shared.Webhooks;

/// <summary>
/// Turns a stored Kintell delivery into rows: people resolved by e-mail (created when unknown),
/// the session, rating or booking upserted by Kintell's id, one domain event, and the delivery
/// marked processed — all in one transaction, with the delivery row locked so that a message
/// delivered twice is processed once. A rating's feedback text is stored in <c>impact.texts</c> in the same
/// transaction and queued for screening after the commit (the texts outbox).
/// </summary>
public sealed class KintellProcessor(NpgsqlDataSource dataSource, WebhookDeliveries deliveries, IOptions<WebhookOptions> options,
    TextOutbox texts, IOptions<TextPipelineOptions> textOptions)
{
    /// <summary>The source name of Kintell deliveries.</summary>
    public const string Source = "kintell";

    /// <summary>
    /// Processes one delivery. A transient database error (<see cref="ProblemMapping.IsTransientDatabaseError"/>)
    /// is rethrown as it is and counts as no attempt: the database is away, not the delivery wrong. Any other
    /// failure is recorded on the row (attempt and error; dead-lettered once <see cref="WebhookOptions.MaxAttempts"/>
    /// are used up) and thrown as a <see cref="DeliveryFailedException"/>.
    /// </summary>
    /// <exception cref="DeliveryFailedException">It failed, and the failure is recorded.</exception>
    public async Task<ProcessOutcome> ProcessAsync(string source, string deliveryId, CancellationToken ct = default)
    {
        try
        {
            return await ProcessOnceAsync(source, deliveryId, ct);
        }
        catch (Exception e) when (e is not OperationCanceledException && !ProblemMapping.IsTransientDatabaseError(e))
        {
            // If recording meets a transient error, that error propagates: the attempt is tried again later.
            var recorded = await deliveries.RecordFailureAsync(source, deliveryId, Describe(e), options.Value.MaxAttempts, CancellationToken.None);
            if (recorded is not { } r)
            {
                throw;
            }

            throw new DeliveryFailedException(deliveryId, r.Status, r.Attempts, e);
        }
    }

    private async Task<ProcessOutcome> ProcessOnceAsync(string source, string deliveryId, CancellationToken ct)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        // Locks the row and marks it processed in one statement: if anything below fails, the transaction rolls the
        // mark back with the rest. A second copy of the message blocks here until the first commits, then finds the
        // row processed and matches nothing.
        var delivery = await conn.QuerySingleOrDefaultAsync<(string EventType, string Payload)>(new CommandDefinition(
            """
            UPDATE impact.webhook_deliveries
            SET status = 'processed', attempts = attempts + 1, last_error = NULL, processed_at = clock_timestamp(), updated_at = clock_timestamp()
            WHERE source = @source AND delivery_id = @deliveryId AND status NOT IN ('processed', 'discarded')
            RETURNING event_type, payload::text
            """,
            new { source, deliveryId }, tx, cancellationToken: ct));
        if (delivery.EventType is null)
        {
            // Rare: no such row, or it is done already; which one only matters for the log.
            var exists = await conn.ExecuteScalarAsync<bool>(new CommandDefinition(
                "SELECT EXISTS (SELECT FROM impact.webhook_deliveries WHERE source = @source AND delivery_id = @deliveryId)",
                new { source, deliveryId }, tx, cancellationToken: ct));
            return exists ? ProcessOutcome.AlreadyDone : ProcessOutcome.NotFound;
        }

        var (payload, errors) = KintellPayloads.Parse(delivery.EventType, Encoding.UTF8.GetBytes(delivery.Payload));
        if (payload is null)
        {
            throw new InvalidOperationException("Stored payload no longer validates: " +
                string.Join("; ", errors.Select(e => $"{e.Key} {string.Join(", ", e.Value)}")));
        }

        var correlationId = $"{source}:{deliveryId}";
        Guid? textToQueue = null;
        switch (payload)
        {
            case SessionCompleted s:
                await UpsertSessionAsync(conn, tx, s, correlationId, ct);
                break;
            case RatingCreated r:
                textToQueue = await UpsertRatingAsync(conn, tx, r, correlationId, textOptions.Value.Enabled, ct);
                break;
            case BookingConfirmed b:
                await UpsertBookingAsync(conn, tx, b, correlationId, ct);
                break;
        }

        await tx.CommitAsync(ct);
        ImpactTelemetry.WebhooksProcessed.Add(1, new KeyValuePair<string, object?>("source", source), new KeyValuePair<string, object?>("kind", delivery.EventType));
        if (textToQueue is { } textId)
        {
            // After the commit; a queue failure leaves the text for the outbox sweeper.
            await texts.TryEnqueueAsync([textId], ct);
        }

        return ProcessOutcome.Processed;
    }

    private static async Task<(Guid Participant, Guid Volunteer, Guid? Company)> ResolvePeopleAsync(
        NpgsqlConnection conn, NpgsqlTransaction tx, string participantEmail, string volunteerEmail, CancellationToken ct)
    {
        // An unknown e-mail is normal: the person is created. A volunteer's employer is found by e-mail domain.
        // Both in one round trip, participant first (the same lock order as ever).
        await using var both = await conn.QueryMultipleAsync(new CommandDefinition(
            """
            INSERT INTO impact.users (email, role)
            VALUES (@participantEmail, 'participant')
            ON CONFLICT (email) DO UPDATE
            SET role = COALESCE(impact.users.role, EXCLUDED.role), updated_at = clock_timestamp()
            RETURNING id, company_id;
            INSERT INTO impact.users (email, role, company_id)
            VALUES (@volunteerEmail, 'volunteer',
                    (SELECT id FROM impact.companies WHERE email_domain = split_part(@volunteerEmail, '@', 2)))
            ON CONFLICT (email) DO UPDATE
            SET role = COALESCE(impact.users.role, EXCLUDED.role),
                company_id = COALESCE(impact.users.company_id, EXCLUDED.company_id),
                updated_at = clock_timestamp()
            RETURNING id, company_id
            """,
            new { participantEmail, volunteerEmail }, tx, cancellationToken: ct));
        var participant = await both.ReadSingleAsync<(Guid Id, Guid? CompanyId)>();
        var volunteer = await both.ReadSingleAsync<(Guid Id, Guid? CompanyId)>();
        return (participant.Id, volunteer.Id, volunteer.CompanyId);
    }

    private static async Task UpsertSessionAsync(NpgsqlConnection conn, NpgsqlTransaction tx, SessionCompleted s, string correlationId, CancellationToken ct)
    {
        var people = await ResolvePeopleAsync(conn, tx, s.ParticipantEmail, s.VolunteerEmail, ct);
        var sessionId = await conn.QuerySingleOrDefaultAsync<Guid?>(new CommandDefinition(
            """
            INSERT INTO impact.kintell_sessions
                (external_id, session_type, participant_id, volunteer_id, company_id, scheduled_at, completed_at,
                 duration_minutes, topics, language_level, source)
            VALUES (@SessionId, @SessionType, @participant, @volunteer, @company, @ScheduledAt, @CompletedAt,
                    @DurationMinutes, @topics, @LanguageLevel, 'webhook')
            ON CONFLICT (external_id) DO UPDATE
            SET session_type = EXCLUDED.session_type, participant_id = EXCLUDED.participant_id,
                volunteer_id = EXCLUDED.volunteer_id, company_id = EXCLUDED.company_id,
                scheduled_at = EXCLUDED.scheduled_at, completed_at = EXCLUDED.completed_at,
                duration_minutes = EXCLUDED.duration_minutes, topics = EXCLUDED.topics,
                language_level = EXCLUDED.language_level, updated_at = clock_timestamp()
            -- A delivery that changes nothing (the same payload re-sent under a new delivery id) updates nothing.
            WHERE (kintell_sessions.session_type, kintell_sessions.participant_id, kintell_sessions.volunteer_id, kintell_sessions.company_id,
                   kintell_sessions.scheduled_at, kintell_sessions.completed_at, kintell_sessions.duration_minutes, kintell_sessions.topics,
                   kintell_sessions.language_level)
                  IS DISTINCT FROM
                  (EXCLUDED.session_type, EXCLUDED.participant_id, EXCLUDED.volunteer_id, EXCLUDED.company_id,
                   EXCLUDED.scheduled_at, EXCLUDED.completed_at, EXCLUDED.duration_minutes, EXCLUDED.topics, EXCLUDED.language_level)
            RETURNING id
            """,
            new
            {
                s.SessionId, s.SessionType, participant = people.Participant, volunteer = people.Volunteer, company = people.Company,
                s.ScheduledAt, s.CompletedAt, s.DurationMinutes, topics = s.Topics?.ToArray(), s.LanguageLevel,
            }, tx, cancellationToken: ct));
        if (sessionId is null)
        {
            return; // nothing changed: no event
        }

        await EventLog.AppendAsync(conn, tx, EventTypes.SessionCompleted, people.Company, new
        {
            sessionId, externalId = s.SessionId, sessionType = s.SessionType, participantId = people.Participant,
            volunteerId = people.Volunteer, completedAt = s.CompletedAt, durationMinutes = s.DurationMinutes,
            languageLevel = s.LanguageLevel,
        }, correlationId, ct);
    }

    // Returns the id of a new or changed feedback text to queue.
    private static async Task<Guid?> UpsertRatingAsync(NpgsqlConnection conn, NpgsqlTransaction tx, RatingCreated r, string correlationId,
        bool storeText, CancellationToken ct)
    {
        // The rating may arrive before its session: the rater and company are then unknown, and stay null.
        var session = await conn.QuerySingleOrDefaultAsync<(Guid? ParticipantId, Guid? VolunteerId, Guid? CompanyId)>(new CommandDefinition(
            "SELECT participant_id, volunteer_id, company_id FROM impact.kintell_sessions WHERE external_id = @SessionId",
            new { r.SessionId }, tx, cancellationToken: ct));
        var rater = r.FromRole == "participant" ? session.ParticipantId : session.VolunteerId;
        var ratingId = await conn.QuerySingleOrDefaultAsync<Guid?>(new CommandDefinition(
            """
            INSERT INTO impact.kintell_ratings
                (external_id, session_external_id, rater_id, from_role, rating, rating_normalized, feedback_text, rated_at)
            VALUES (@RatingId, @SessionId, @rater, @FromRole, @Rating, @Normalized, @FeedbackText, @CreatedAt)
            ON CONFLICT (external_id) DO UPDATE
            SET session_external_id = EXCLUDED.session_external_id, rater_id = EXCLUDED.rater_id,
                from_role = EXCLUDED.from_role, rating = EXCLUDED.rating, rating_normalized = EXCLUDED.rating_normalized,
                feedback_text = EXCLUDED.feedback_text, rated_at = EXCLUDED.rated_at, updated_at = clock_timestamp()
            WHERE (kintell_ratings.session_external_id, kintell_ratings.rater_id, kintell_ratings.from_role, kintell_ratings.rating,
                   kintell_ratings.rating_normalized, kintell_ratings.feedback_text, kintell_ratings.rated_at)
                  IS DISTINCT FROM
                  (EXCLUDED.session_external_id, EXCLUDED.rater_id, EXCLUDED.from_role, EXCLUDED.rating,
                   EXCLUDED.rating_normalized, EXCLUDED.feedback_text, EXCLUDED.rated_at)
            RETURNING id
            """,
            new { r.RatingId, r.SessionId, rater, r.FromRole, Rating = (short)r.Rating, r.Normalized, r.FeedbackText, r.CreatedAt },
            tx, cancellationToken: ct));
        if (ratingId is null)
        {
            return null;
        }

        await EventLog.AppendAsync(conn, tx, EventTypes.RatingCreated, session.CompanyId, new
        {
            ratingId, externalId = r.RatingId, sessionExternalId = r.SessionId, fromRole = r.FromRole, raterId = rater,
            rating = r.Rating, ratingNormalized = r.Normalized,
        }, correlationId, ct);
        if (!storeText)
        {
            return null;
        }

        if (string.IsNullOrEmpty(r.FeedbackText))
        {
            // The rating no longer carries a text: its old text (and what was derived from it) goes.
            await TextRows.DeleteAsync(conn, tx, TextSources.KintellRating, r.RatingId, ct);
            return null;
        }

        return await TextRows.UpsertAsync(conn, tx, TextSources.KintellRating, r.RatingId, TextSources.FeedbackText, session.CompanyId, rater,
            r.FeedbackText, ct);
    }

    private static async Task UpsertBookingAsync(NpgsqlConnection conn, NpgsqlTransaction tx, BookingConfirmed b, string correlationId, CancellationToken ct)
    {
        var people = await ResolvePeopleAsync(conn, tx, b.ParticipantEmail, b.VolunteerEmail, ct);
        var bookingId = await conn.QuerySingleOrDefaultAsync<Guid?>(new CommandDefinition(
            """
            INSERT INTO impact.kintell_bookings (external_id, session_type, participant_id, volunteer_id, company_id, scheduled_at)
            VALUES (@BookingId, @SessionType, @participant, @volunteer, @company, @ScheduledAt)
            ON CONFLICT (external_id) DO UPDATE
            SET session_type = EXCLUDED.session_type, participant_id = EXCLUDED.participant_id,
                volunteer_id = EXCLUDED.volunteer_id, company_id = EXCLUDED.company_id,
                scheduled_at = EXCLUDED.scheduled_at, updated_at = clock_timestamp()
            WHERE (kintell_bookings.session_type, kintell_bookings.participant_id, kintell_bookings.volunteer_id,
                   kintell_bookings.company_id, kintell_bookings.scheduled_at)
                  IS DISTINCT FROM
                  (EXCLUDED.session_type, EXCLUDED.participant_id, EXCLUDED.volunteer_id, EXCLUDED.company_id, EXCLUDED.scheduled_at)
            RETURNING id
            """,
            new { b.BookingId, b.SessionType, participant = people.Participant, volunteer = people.Volunteer, company = people.Company, b.ScheduledAt },
            tx, cancellationToken: ct));
        if (bookingId is null)
        {
            return;
        }

        await EventLog.AppendAsync(conn, tx, EventTypes.SessionScheduled, people.Company, new
        {
            bookingId, externalId = b.BookingId, sessionType = b.SessionType, participantId = people.Participant,
            volunteerId = people.Volunteer, scheduledAt = b.ScheduledAt,
        }, correlationId, ct);
    }

    // Stored for operators; Postgres messages name constraints and columns, not secrets.
    private static string Describe(Exception e) => e is PostgresException pg
        ? $"{pg.SqlState}: {pg.MessageText}"
        : $"{e.GetType().Name}: {e.Message}";
}
