using System.Globalization;
using Dapper;
using Npgsql;
using NpgsqlTypes;

namespace Impact.Shared.Backfill;

/// <summary>A valid row of the Kintell sessions CSV, normalised.</summary>
/// <param name="RowNumber">The record's number in the file (header = 1).</param>
/// <param name="ExternalId">The partner's session id.</param>
/// <param name="SessionType"><c>language</c> or <c>mentorship</c>.</param>
/// <param name="ParticipantEmail">Lower-cased.</param>
/// <param name="VolunteerEmail">Lower-cased.</param>
/// <param name="CompletedAt">The <c>date</c> column: when the session was completed.</param>
/// <param name="DurationMinutes">Minutes, 1–480 (always given; nullable for the loader's column).</param>
/// <param name="Rating">1–5, when given.</param>
/// <param name="FeedbackText">The participant's feedback, when given.</param>
/// <param name="LanguageLevel">CEFR level A1–C2, upper-cased, when given.</param>
public sealed record SessionRow(long RowNumber, string ExternalId, string SessionType, string ParticipantEmail,
    string VolunteerEmail, DateTimeOffset CompletedAt, int? DurationMinutes, short? Rating, string? FeedbackText, string? LanguageLevel);

/// <summary>
/// The Kintell sessions CSV (SPEC §B): validation of one record, and the bulk load of a chunk
/// of valid rows — binary COPY into a staging table, then set-based upserts keyed by the
/// partner's ids, so loading the same rows again changes nothing.
/// </summary>
public static class KintellSessionRows
{
    /// <summary>The columns, in the partner's order.</summary>
    public static readonly IReadOnlyList<string> Columns =
        ["session_id", "session_type", "participant_email", "volunteer_email", "date", "duration_min", "rating", "feedback_text", "language_level"];

    /// <summary>Columns a file must have; the others may be missing.</summary>
    public static readonly IReadOnlyList<string> RequiredColumns =
        ["session_id", "session_type", "participant_email", "volunteer_email", "date", "duration_min"];

    /// <summary>The shortest session, in minutes.</summary>
    public const int MinDurationMinutes = 1;

    /// <summary>The longest session, in minutes (eight hours).</summary>
    public const int MaxDurationMinutes = 480;

    // A chunk's statements take seconds on a busy server; the 30 s default would fail a healthy chunk.
    internal const int LoadTimeoutSeconds = 600;

    private static readonly string[] CefrLevels = ["A1", "A2", "B1", "B2", "C1", "C2"];

    private static readonly string[] DateFormats =
    [
        "yyyy-MM-dd", "yyyy-MM-ddTHH:mm", "yyyy-MM-ddTHH:mm:ss", "yyyy-MM-ddTHH:mm:ss.FFFFFFF",
        "yyyy-MM-ddTHH:mmK", "yyyy-MM-ddTHH:mm:ssK", "yyyy-MM-ddTHH:mm:ss.FFFFFFFK",
        "yyyy-MM-dd HH:mm", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm:ssK", "yyyy-MM-dd HH:mm:ss.FFFFFFFK",
    ];

    /// <summary>
    /// Validates one record. <paramref name="index"/> maps <see cref="Columns"/> to positions in
    /// the file (-1 = absent). Returns the row, or every reason it is invalid joined by "; ".
    /// </summary>
    public static (SessionRow? Row, string? Error) Validate(CsvRecord record, int[] index)
    {
        var errors = new List<string>(2);
        string Get(int column) => index[column] >= 0 && index[column] < record.Fields.Length ? record.Fields[index[column]].Trim() : "";

        var sessionId = Get(0);
        if (sessionId.Length == 0)
        {
            errors.Add("session_id is empty");
        }

        var typeText = Get(1).ToLowerInvariant();
        var sessionType = typeText.Contains("language", StringComparison.Ordinal) ? "language"
            : typeText.Contains("mentor", StringComparison.Ordinal) ? "mentorship" : null;
        if (sessionType is null)
        {
            errors.Add($"session_type '{Get(1)}' is neither a language nor a mentorship session");
        }

        var participant = Get(2).ToLowerInvariant();
        if (!Emails.IsValid(participant))
        {
            errors.Add($"participant_email '{Get(2)}' is not an e-mail address");
        }

        var volunteer = Get(3).ToLowerInvariant();
        if (!Emails.IsValid(volunteer))
        {
            errors.Add($"volunteer_email '{Get(3)}' is not an e-mail address");
        }

        if (!DateTimeOffset.TryParseExact(Get(4), DateFormats, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var completedAt))
        {
            errors.Add($"date '{Get(4)}' is not an ISO 8601 date or time");
        }

        int? duration = null;
        if (Get(5) is not { Length: > 0 } durationText)
        {
            errors.Add("duration_min is empty (a session lasts 1 to 480 minutes)");
        }
        else if (int.TryParse(durationText, NumberStyles.None, CultureInfo.InvariantCulture, out var d) && d is >= MinDurationMinutes and <= MaxDurationMinutes)
        {
            duration = d;
        }
        else
        {
            errors.Add($"duration_min '{durationText}' is not a whole number of minutes from {MinDurationMinutes} to {MaxDurationMinutes}");
        }

        short? rating = null;
        if (Get(6) is { Length: > 0 } ratingText)
        {
            if (short.TryParse(ratingText, NumberStyles.None, CultureInfo.InvariantCulture, out var r) && r is >= 1 and <= 5)
            {
                rating = r;
            }
            else
            {
                errors.Add($"rating '{ratingText}' is not a whole number from 1 to 5");
            }
        }

        var feedback = Get(7) is { Length: > 0 } f ? f : null;
        string? level = null;
        if (Get(8) is { Length: > 0 } levelText)
        {
            level = levelText.ToUpperInvariant();
            if (!CefrLevels.Contains(level))
            {
                errors.Add($"language_level '{levelText}' is not a CEFR level (A1, A2, B1, B2, C1, C2)");
            }
        }

        return errors.Count > 0
            ? (null, string.Join("; ", errors))
            : (new SessionRow(record.RecordNumber, sessionId, sessionType!, participant, volunteer, completedAt, duration, rating, feedback, level), null);
    }

    /// <summary>
    /// Loads valid rows in the caller's transaction: unknown people become users (volunteers get
    /// their employer by e-mail domain), sessions are upserted by <c>external_id</c> with
    /// <c>source = 'backfill'</c>, ratings by <c>&lt;session_id&gt;:participant</c>. When a
    /// session id repeats, the later row wins.
    /// </summary>
    public static async Task LoadAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, IReadOnlyList<SessionRow> rows, CancellationToken ct = default)
    {
        if (rows.Count == 0)
        {
            return;
        }

        // The de-duplicating sorts below spill to disk at the default 4 MB for a 50k-row chunk.
        await connection.ExecuteAsync(new CommandDefinition(
            "SET LOCAL work_mem = '64MB'", transaction: transaction, commandTimeout: LoadTimeoutSeconds, cancellationToken: ct));
        await connection.ExecuteAsync(new CommandDefinition(
            """
            CREATE TEMP TABLE backfill_sessions_stage (
                row_number        bigint NOT NULL,
                external_id       text NOT NULL,
                session_type      text NOT NULL,
                participant_email text NOT NULL,
                volunteer_email   text NOT NULL,
                completed_at      timestamptz NOT NULL,
                duration_minutes  integer,
                rating            smallint,
                feedback_text     text,
                language_level    text
            ) ON COMMIT DROP
            """, transaction: transaction, commandTimeout: LoadTimeoutSeconds, cancellationToken: ct));

        await using (var copy = await connection.BeginBinaryImportAsync(
            "COPY backfill_sessions_stage (row_number, external_id, session_type, participant_email, volunteer_email, completed_at, duration_minutes, rating, feedback_text, language_level) FROM STDIN (FORMAT BINARY)", ct))
        {
            copy.Timeout = TimeSpan.FromSeconds(LoadTimeoutSeconds);
            foreach (var r in rows)
            {
                await copy.StartRowAsync(ct);
                await copy.WriteAsync(r.RowNumber, NpgsqlDbType.Bigint, ct);
                await copy.WriteAsync(r.ExternalId, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(r.SessionType, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(r.ParticipantEmail, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(r.VolunteerEmail, NpgsqlDbType.Text, ct);
                await copy.WriteAsync(r.CompletedAt, NpgsqlDbType.TimestampTz, ct);
                await WriteNullableAsync(copy, r.DurationMinutes, NpgsqlDbType.Integer, ct);
                await WriteNullableAsync(copy, r.Rating, NpgsqlDbType.Smallint, ct);
                await WriteNullableAsync(copy, r.FeedbackText, NpgsqlDbType.Text, ct);
                await WriteNullableAsync(copy, r.LanguageLevel, NpgsqlDbType.Text, ct);
            }

            await copy.CompleteAsync(ct);
        }

        // Sorted by e-mail so concurrent jobs lock users in the same order.
        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO impact.users (email, role, company_id)
            SELECT DISTINCT ON (u.email) u.email, u.role, c.id
            FROM (
                SELECT participant_email AS email, 'participant' AS role FROM backfill_sessions_stage
                UNION ALL
                SELECT volunteer_email, 'volunteer' FROM backfill_sessions_stage
            ) u
            LEFT JOIN impact.companies c ON u.role = 'volunteer' AND c.email_domain = split_part(u.email, '@', 2)
            ORDER BY u.email, u.role DESC
            ON CONFLICT (email) DO NOTHING
            """, transaction: transaction, commandTimeout: LoadTimeoutSeconds, cancellationToken: ct));

        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO impact.kintell_sessions AS k
                (external_id, session_type, participant_id, volunteer_id, company_id, completed_at, duration_minutes, language_level, source)
            SELECT DISTINCT ON (s.external_id)
                   s.external_id, s.session_type, p.id, v.id, v.company_id, s.completed_at, s.duration_minutes, s.language_level, 'backfill'
            FROM backfill_sessions_stage s
            JOIN impact.users p ON p.email = s.participant_email
            JOIN impact.users v ON v.email = s.volunteer_email
            ORDER BY s.external_id, s.row_number DESC
            ON CONFLICT (external_id) DO UPDATE SET
                session_type = EXCLUDED.session_type, participant_id = EXCLUDED.participant_id,
                volunteer_id = EXCLUDED.volunteer_id, company_id = EXCLUDED.company_id,
                completed_at = EXCLUDED.completed_at, duration_minutes = EXCLUDED.duration_minutes,
                language_level = EXCLUDED.language_level, updated_at = clock_timestamp()
            WHERE (k.session_type, k.participant_id, k.volunteer_id, k.company_id, k.completed_at, k.duration_minutes, k.language_level)
                IS DISTINCT FROM (EXCLUDED.session_type, EXCLUDED.participant_id, EXCLUDED.volunteer_id, EXCLUDED.company_id,
                                  EXCLUDED.completed_at, EXCLUDED.duration_minutes, EXCLUDED.language_level)
            """, transaction: transaction, commandTimeout: LoadTimeoutSeconds, cancellationToken: ct));

        await connection.ExecuteAsync(new CommandDefinition(
            """
            INSERT INTO impact.kintell_ratings AS r
                (external_id, session_external_id, rater_id, from_role, rating, rating_normalized, feedback_text, rated_at)
            SELECT DISTINCT ON (s.external_id)
                   s.external_id || ':participant', s.external_id, p.id, 'participant', s.rating,
                   (s.rating - 1) / 4.0, s.feedback_text, s.completed_at
            FROM backfill_sessions_stage s
            JOIN impact.users p ON p.email = s.participant_email
            WHERE s.rating IS NOT NULL
            ORDER BY s.external_id, s.row_number DESC
            ON CONFLICT (external_id) DO UPDATE SET
                rater_id = EXCLUDED.rater_id, rating = EXCLUDED.rating, rating_normalized = EXCLUDED.rating_normalized,
                feedback_text = EXCLUDED.feedback_text, rated_at = EXCLUDED.rated_at, updated_at = clock_timestamp()
            WHERE (r.rater_id, r.rating, r.feedback_text, r.rated_at)
                IS DISTINCT FROM (EXCLUDED.rater_id, EXCLUDED.rating, EXCLUDED.feedback_text, EXCLUDED.rated_at)
            """, transaction: transaction, commandTimeout: LoadTimeoutSeconds, cancellationToken: ct));
    }

    private static Task WriteNullableAsync<T>(NpgsqlBinaryImporter copy, T? value, NpgsqlDbType type, CancellationToken ct) where T : struct =>
        value is { } v ? copy.WriteAsync(v, type, ct) : copy.WriteNullAsync(ct);

    private static Task WriteNullableAsync(NpgsqlBinaryImporter copy, string? value, NpgsqlDbType type, CancellationToken ct) =>
        value is not null ? copy.WriteAsync(value, type, ct) : copy.WriteNullAsync(ct);
}
