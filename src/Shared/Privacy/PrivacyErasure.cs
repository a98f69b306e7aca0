using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using Dapper;
using Impact.Shared.Backfill;
using Impact.Shared.Events;
using Npgsql;

namespace Impact.Shared.Privacy;

/// <summary>
/// Erases a person (GDPR Art. 17) in a fixed cascade order, in one transaction: export ZIPs, the person's
/// records in backfill uploads and error files, error texts quoting them, stored webhook payloads, event
/// data, ratings, sessions, bookings, and last the user row. Aggregates survive anonymised:
/// sessions and ratings keep their values and lose the person. Before committing it checks that no column in
/// <see cref="PrivacyMap"/> still holds the person's id or e-mail; if one does, everything rolls back.
/// Every step is audited; re-running a finished erasure changes nothing.
/// </summary>
public sealed class PrivacyErasure(NpgsqlDataSource dataSource, BlobServiceClient blobs, TimeProvider time)
{
    /// <summary>Runs the approved erasure <paramref name="requestId"/>. Does nothing unless it is <see cref="PrivacyRequestStatus.Processing"/>.</summary>
    public async Task<ErasureResult> RunAsync(Guid requestId, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        await using var tx = await conn.BeginTransactionAsync(ct);
        var request = await conn.QuerySingleOrDefaultAsync<(Guid? UserId, string Status, string? ApprovedBy)>(new CommandDefinition(
            "SELECT user_id, status, approved_by FROM impact.privacy_requests WHERE id = @requestId AND type = 'delete' FOR UPDATE",
            new { requestId }, tx, cancellationToken: ct));
        if (request.Status != PrivacyRequestStatus.Processing || request.ApprovedBy is not { } by)
        {
            return new ErasureResult(request.Status ?? PrivacyRequestStatus.Missing, []);
        }

        var steps = new List<KeyValuePair<string, int>>();
        async Task Step(string action, Func<Task<int>> run)
        {
            var changed = await run();
            steps.Add(new(action, changed));
            await PrivacyAudit.AppendAsync(conn, tx, requestId, action, new { rows = changed }, by, ct);
        }

        // The user row is locked until commit, so a webhook cannot re-link new rows to the person mid-erasure.
        var subject = request.UserId is { } id
            ? await conn.QuerySingleOrDefaultAsync<(Guid Id, string Email, Guid? CompanyId)>(new CommandDefinition(
                "SELECT id, email, company_id FROM impact.users WHERE id = @id FOR UPDATE", new { id }, tx, cancellationToken: ct))
            : default;

        if (subject.Id != Guid.Empty)
        {
            var p = new
            {
                userId = subject.Id,
                userIdText = subject.Id.ToString(),
                email = subject.Email,
                marker = PrivacyMap.ErasedMarker,
                emailKeys = PrivacyMap.PayloadEmailKeys.ToArray(),
                textKeys = PrivacyMap.PayloadFreeTextKeys.ToArray(),
                idKeys = PrivacyMap.EventUserIdKeys.ToArray(),
            };

            await Step("export_blobs_deleted", () => DeleteExportBlobsAsync(conn, tx, subject.Id, ct));
            var files = await BackfillFilesAsync(conn, tx, ct);
            var masked = new List<BackfillFile>();
            await Step("backfill_file_records_masked", () => MaskBackfillFilesAsync(files, subject.Email, masked, ct));
            await Step("error_texts_scrubbed", () => ScrubErrorTextsAsync(conn, tx, subject.Id, subject.Email, ct));
            await Step("webhook_payloads_anonymised", () => conn.ExecuteAsync(new CommandDefinition(
                """
                WITH ratings AS (
                    SELECT external_id FROM impact.kintell_ratings
                    WHERE rater_id = @userId
                       OR session_external_id IN (SELECT external_id FROM impact.kintell_sessions
                                                  WHERE participant_id = @userId OR volunteer_id = @userId))
                UPDATE impact.webhook_deliveries d
                SET payload = (SELECT jsonb_object_agg(x.k, CASE
                                  WHEN x.k = ANY(@emailKeys) AND jsonb_typeof(x.v) = 'string' AND lower(x.v #>> '{}') = @email
                                  THEN to_jsonb(@marker::text)
                                  WHEN x.k = ANY(@textKeys) AND jsonb_typeof(x.v) = 'string'
                                       AND d.payload ->> 'rating_id' IN (SELECT external_id FROM ratings)
                                  THEN to_jsonb(@marker::text)
                                  ELSE x.v END)
                               FROM jsonb_each(d.payload) AS x(k, v)),
                    updated_at = now()
                WHERE lower(d.payload ->> 'participant_email') = @email
                   OR lower(d.payload ->> 'volunteer_email') = @email
                   OR d.payload ->> 'rating_id' IN (SELECT external_id FROM ratings)
                """, p, tx, cancellationToken: ct)));
            // Events are append-only except here: erasure is the one reason to rewrite history.
            await Step("events_anonymised", () => conn.ExecuteAsync(new CommandDefinition(
                """
                UPDATE impact.events e
                SET data = (SELECT jsonb_object_agg(x.k, CASE WHEN x.k = ANY(@idKeys) AND x.v = to_jsonb(@userIdText::text)
                                                             THEN 'null'::jsonb ELSE x.v END)
                            FROM jsonb_each(e.data) AS x(k, v))
                WHERE e.data @> jsonb_build_object('participantId', @userIdText)
                   OR e.data @> jsonb_build_object('volunteerId', @userIdText)
                   OR e.data @> jsonb_build_object('userId', @userIdText)
                   OR e.data @> jsonb_build_object('raterId', @userIdText)
                """, p, tx, cancellationToken: ct)));
            // Feedback on a one-to-one session describes the other person too, so the other side's text goes as well;
            // every rating keeps its value.
            await Step("ratings_anonymised", () => conn.ExecuteAsync(new CommandDefinition(
                """
                UPDATE impact.kintell_ratings
                SET rater_id = NULLIF(rater_id, @userId), feedback_text = NULL, updated_at = now()
                WHERE rater_id = @userId
                   OR (feedback_text IS NOT NULL
                       AND session_external_id IN (SELECT external_id FROM impact.kintell_sessions
                                                   WHERE participant_id = @userId OR volunteer_id = @userId))
                """, p, tx, cancellationToken: ct)));
            // Texts the person wrote, and the feedback texts of ratings whose text was just erased: scores and
            // evidence go with them (ON DELETE CASCADE); the rating values stay in the aggregates.
            await Step("texts_deleted", () => conn.ExecuteAsync(new CommandDefinition(
                """
                DELETE FROM impact.texts
                WHERE user_id = @userId
                   OR (source = 'kintell_rating'
                       AND content_id IN (SELECT external_id FROM impact.kintell_ratings
                                          WHERE feedback_text IS NULL
                                            AND session_external_id IN (SELECT external_id FROM impact.kintell_sessions
                                                                        WHERE participant_id = @userId OR volunteer_id = @userId)))
                """, p, tx, cancellationToken: ct)));
            await Step("outcome_scores_unlinked", () => conn.ExecuteAsync(new CommandDefinition(
                "DELETE FROM impact.outcome_scores WHERE user_id = @userId", p, tx, cancellationToken: ct)));
            await Step("sessions_anonymised", () => conn.ExecuteAsync(new CommandDefinition(
                """
                UPDATE impact.kintell_sessions
                SET participant_id = NULLIF(participant_id, @userId), volunteer_id = NULLIF(volunteer_id, @userId), updated_at = now()
                WHERE participant_id = @userId OR volunteer_id = @userId
                """, p, tx, cancellationToken: ct)));
            await Step("bookings_anonymised", () => conn.ExecuteAsync(new CommandDefinition(
                """
                UPDATE impact.kintell_bookings
                SET participant_id = NULLIF(participant_id, @userId), volunteer_id = NULLIF(volunteer_id, @userId), updated_at = now()
                WHERE participant_id = @userId OR volunteer_id = @userId
                """, p, tx, cancellationToken: ct)));
            // Stored Idempotency-Key answers (kept 24 h) that name the person: the retry of that request runs again.
            await Step("idempotent_answers_deleted", () => conn.ExecuteAsync(new CommandDefinition(
                $"DELETE FROM impact.idempotency_keys WHERE {AnswerNamesPerson}", p, tx, cancellationToken: ct)));
            // Last: privacy_requests.user_id is ON DELETE SET NULL, so this also unlinks the person's requests.
            await Step("user_deleted", () => conn.ExecuteAsync(new CommandDefinition(
                "DELETE FROM impact.users WHERE id = @userId", p, tx, cancellationToken: ct)));

            var remaining = await CountRemainingAsync(conn, tx, subject.Id, subject.Email, ct)
                            + await CountInFilesAsync(masked, subject.Email, ct); // the others were just read and hold none
            if (remaining > 0)
            {
                throw new InvalidOperationException(
                    $"Erasure {requestId} left {remaining} row(s) referring to the person; rolled back.");
            }

            await Step("verified", () => Task.FromResult((int)remaining));
        }

        await EventLog.AppendAsync(conn, tx, EventTypes.PrivacyUserDeleted, subject.CompanyId,
            new { requestId }, requestId.ToString(), ct);
        await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE impact.privacy_requests SET status = 'completed', progress = 100, completed_at = @now, updated_at = now()
            WHERE id = @requestId
            """, new { requestId, now = time.GetUtcNow().UtcDateTime }, tx, cancellationToken: ct));
        await PrivacyAudit.AppendAsync(conn, tx, requestId, "completed", null, by, ct);
        await tx.CommitAsync(ct);
        return new ErasureResult(PrivacyRequestStatus.Completed, steps);
    }

    /// <summary>
    /// Rows in any column of <see cref="PrivacyMap.Personal"/> that still refer to the person by id or e-mail
    /// (error texts included). Zero after a successful erasure.
    /// </summary>
    public static Task<long> CountRemainingAsync(NpgsqlConnection conn, NpgsqlTransaction? tx, Guid userId, string email, CancellationToken ct = default) =>
        conn.ExecuteScalarAsync<long>(new CommandDefinition(
            $"""
            SELECT {string.Concat(ErrorTextColumns.Select(c => $"(SELECT count(*) FROM impact.{c.Table} WHERE {QuotesPerson(c.Column)}) + "))}
                   (SELECT count(*) FROM impact.users WHERE id = @userId OR email = lower(@email))
                 + (SELECT count(*) FROM impact.kintell_sessions WHERE participant_id = @userId OR volunteer_id = @userId)
                 + (SELECT count(*) FROM impact.kintell_ratings WHERE rater_id = @userId)
                 + (SELECT count(*) FROM impact.kintell_bookings WHERE participant_id = @userId OR volunteer_id = @userId)
                 + (SELECT count(*) FROM impact.webhook_deliveries
                    WHERE lower(payload ->> 'participant_email') = lower(@email) OR lower(payload ->> 'volunteer_email') = lower(@email))
                 + (SELECT count(*) FROM impact.events
                    WHERE data @> jsonb_build_object('participantId', @userIdText)
                       OR data @> jsonb_build_object('volunteerId', @userIdText)
                       OR data @> jsonb_build_object('userId', @userIdText)
                       OR data @> jsonb_build_object('raterId', @userIdText))
                 + (SELECT count(*) FROM impact.privacy_requests WHERE user_id = @userId)
                 + (SELECT count(*) FROM impact.texts WHERE user_id = @userId)
                 + (SELECT count(*) FROM impact.outcome_scores WHERE user_id = @userId)
                 + (SELECT count(*) FROM impact.idempotency_keys WHERE {AnswerNamesPerson})
            """, new { userId, userIdText = userId.ToString(), email }, tx, cancellationToken: ct));

    // A stored answer is UTF-8 JSON; the id is matched as text, the e-mail case-insensitively.
    private const string AnswerNamesPerson =
        "(position(convert_to(@userIdText, 'UTF8') IN response_body) > 0 OR strpos(lower(convert_from(response_body, 'UTF8')), lower(@email)) > 0)";

    private static readonly PersonalColumn[] ErrorTextColumns = [.. PrivacyMap.Personal.Where(c => c.Holds == PersonalData.ErrorText)];

    // Plain substring tests: error text is free-form, and erasing a little too much of it is harmless.
    private static string QuotesPerson(string column) =>
        $"(strpos(lower({column}), lower(@email)) > 0 OR strpos(lower({column}), @userIdText) > 0)";

    /// <summary>Every error-text column of the map: the person's e-mail and id replaced by the erased marker.</summary>
    private static async Task<int> ScrubErrorTextsAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid userId, string email, CancellationToken ct)
    {
        var args = new
        {
            email, userIdText = userId.ToString(), marker = PrivacyMap.ErasedMarker,
            emailPattern = LiteralPattern(email), idPattern = LiteralPattern(userId.ToString()),
        };
        var changed = 0;
        foreach (var c in ErrorTextColumns)
        {
            changed += await conn.ExecuteAsync(new CommandDefinition(
                $"""
                UPDATE impact.{c.Table}
                SET {c.Column} = regexp_replace(regexp_replace({c.Column}, @emailPattern, @marker, 'gi'), @idPattern, @marker, 'gi')
                WHERE {QuotesPerson(c.Column)}
                """, args, tx, cancellationToken: ct));
        }

        return changed;
    }

    // A regular expression matching the text literally: in PostgreSQL's advanced regular expressions a
    // backslash before a character that is not a letter or digit makes that character literal.
    private static string LiteralPattern(string text) =>
        string.Concat(text.Select(ch => char.IsAsciiLetterOrDigit(ch) ? ch.ToString() : "\\" + ch));

    private sealed record BackfillFile(BlockBlobClient Blob, char Delimiter);

    private async Task<List<BackfillFile>> BackfillFilesAsync(NpgsqlConnection conn, NpgsqlTransaction tx, CancellationToken ct)
    {
        var jobs = await conn.QueryAsync<(string Container, string BlobName, string ErrorBlobName, string Delimiter)>(new CommandDefinition(
            "SELECT blob_container, blob_name, error_blob_name, delimiter FROM impact.backfill_jobs ORDER BY created_at",
            transaction: tx, cancellationToken: ct));
        return [.. jobs.SelectMany(j => new[]
        {
            new BackfillFile(blobs.GetBlobContainerClient(j.Container).GetBlockBlobClient(j.BlobName), j.Delimiter[0]),
            new BackfillFile(blobs.GetBlobContainerClient(j.Container).GetBlockBlobClient(j.ErrorBlobName), ','),
        })];
    }

    // Blob writes cannot be rolled back; if the transaction fails, a re-run finds those records already masked.
    private async Task<int> MaskBackfillFilesAsync(IEnumerable<BackfillFile> files, string email, List<BackfillFile> changed, CancellationToken ct)
    {
        var records = 0;
        foreach (var f in files)
        {
            var n = await CsvBlobMasking.MaskRecordsNamingAsync(f.Blob, f.Delimiter, email, ct);
            if (n > 0)
            {
                changed.Add(f);
                records += n;
            }
        }

        return records;
    }

    private async Task<long> CountInFilesAsync(IEnumerable<BackfillFile> files, string email, CancellationToken ct)
    {
        long found = 0;
        foreach (var f in files)
        {
            found += (await CsvBlobMasking.FindRecordsNamingAsync(f.Blob, f.Delimiter, email, ct)).Count;
        }

        return found;
    }

    private async Task<int> DeleteExportBlobsAsync(NpgsqlConnection conn, NpgsqlTransaction tx, Guid userId, CancellationToken ct)
    {
        var exports = (await conn.QueryAsync<(Guid Id, string Location)>(new CommandDefinition(
            """
            SELECT id, result_location FROM impact.privacy_requests
            WHERE user_id = @userId AND type = 'export' AND result_location IS NOT NULL
            FOR UPDATE
            """, new { userId }, tx, cancellationToken: ct))).ToList();
        foreach (var (_, location) in exports)
        {
            var slash = location.IndexOf('/', StringComparison.Ordinal);
            await blobs.GetBlobContainerClient(location[..slash]).GetBlobClient(location[(slash + 1)..])
                .DeleteIfExistsAsync(cancellationToken: ct);
        }

        // Deleting a blob cannot be rolled back; if the transaction fails, a re-run finds the rows and deletes nothing new.
        await conn.ExecuteAsync(new CommandDefinition(
            "UPDATE impact.privacy_requests SET result_location = NULL, updated_at = now() WHERE id = ANY(@ids)",
            new { ids = exports.Select(e => e.Id).ToArray() }, tx, cancellationToken: ct));
        return exports.Count;
    }
}
