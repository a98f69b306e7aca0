using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using Dapper;
using Impact.Shared.Backfill;
using Impact.Shared.Events;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Impact.Shared.Privacy;

/// <summary>
/// Erases a person (GDPR Art. 17) in a fixed cascade order: export ZIPs, the person's records in backfill uploads
/// and error files, error texts quoting them, stored webhook payloads, event data, ratings, sessions, bookings, and
/// last the user row. Aggregates survive anonymised: sessions and ratings keep their values and lose the person.
/// The blob steps run outside any transaction (an open transaction holds back the event feed and the relay of every
/// company, and a person's files may be gigabytes); each is idempotent, so a retried run redoes them harmlessly.
/// The database steps then run in one short transaction that locks the request and the user row, checks that no
/// backfill job or export ZIP appeared since the blob steps (else it goes round again), checks that no column in
/// <see cref="PrivacyMap"/> and no masked file still holds the person, and commits the deletion together with the
/// completion. Every step is audited when it is done; re-running a finished erasure changes nothing.
/// </summary>
public sealed class PrivacyErasure(NpgsqlDataSource dataSource, BlobServiceClient blobs, IOptions<PrivacyOptions> options)
{
    // Rounds of blob steps before giving up when new files keep appearing (the orchestration retries after that).
    private const int MaxRounds = 5;

    /// <summary>Runs the approved erasure <paramref name="requestId"/>. Does nothing unless it is <see cref="PrivacyRequestStatus.Processing"/>.</summary>
    public async Task<ErasureResult> RunAsync(Guid requestId, CancellationToken ct = default)
    {
        await using var conn = await dataSource.OpenConnectionAsync(ct);
        var request = await conn.QuerySingleOrDefaultAsync<(Guid? UserId, string Status, string? ApprovedBy)>(new CommandDefinition(
            "SELECT user_id, status, approved_by FROM impact.privacy_requests WHERE id = @requestId AND type = 'delete'",
            new { requestId }, cancellationToken: ct));
        if (request.Status != PrivacyRequestStatus.Processing || request.ApprovedBy is not { } by)
        {
            return new ErasureResult(request.Status ?? PrivacyRequestStatus.Missing, []);
        }

        // The user row stays until the final transaction, so a crashed run finds the person (and their e-mail) again.
        var subject = request.UserId is { } id
            ? await conn.QuerySingleOrDefaultAsync<(Guid Id, string Email, Guid? CompanyId)>(new CommandDefinition(
                "SELECT id, email, company_id FROM impact.users WHERE id = @id", new { id }, cancellationToken: ct))
            : default;

        var steps = new List<KeyValuePair<string, int>>();
        var scannedJobs = new HashSet<Guid>();
        var masked = new List<BackfillFile>();
        for (var round = 1; ; round++)
        {
            if (subject.Id != Guid.Empty)
            {
                // Outside any transaction: deleting and rewriting blobs can take minutes. Each step is audited (and
                // progress shown) as soon as it is done; a retry finds nothing left to delete or mask.
                var exports = await DeleteExportBlobsAsync(conn, subject.Id, ct);
                await AuditStepAsync(conn, requestId, steps, "export_blobs_deleted", exports, by, 10, ct);
                var files = await BackfillFilesAsync(conn, scannedJobs, ct);
                var records = await MaskBackfillFilesAsync(files, subject.Email, masked, ct);
                scannedJobs.UnionWith(files.Select(f => f.JobId));
                await AuditStepAsync(conn, requestId, steps, "backfill_file_records_masked", records, by, 60, ct);
            }

            // Checked before the transaction: the files not masked were just read and hold none.
            var inFiles = subject.Id == Guid.Empty ? 0 : await CountInFilesAsync(masked, subject.Email, ct);
            var outcome = await FinishAsync(conn, requestId, subject, by, steps, scannedJobs, inFiles, lastRound: round >= MaxRounds, ct);
            if (outcome is not null)
            {
                return new ErasureResult(outcome, steps);
            }
        }
    }

    // The database steps, the verification and the completion in one transaction; null when files appeared meanwhile
    // (nothing is committed then, and the caller runs the blob steps again for them).
    private async Task<string?> FinishAsync(NpgsqlConnection conn, Guid requestId, (Guid Id, string Email, Guid? CompanyId) subject, string by,
        List<KeyValuePair<string, int>> steps, HashSet<Guid> scannedJobs, long inFiles, bool lastRound, CancellationToken ct)
    {
        await using var tx = await conn.BeginTransactionAsync(ct);
        var status = await conn.ExecuteScalarAsync<string>(new CommandDefinition(
            "SELECT status FROM impact.privacy_requests WHERE id = @requestId FOR UPDATE", new { requestId }, tx, cancellationToken: ct));
        if (status != PrivacyRequestStatus.Processing)
        {
            return status ?? PrivacyRequestStatus.Missing; // another run finished it meanwhile
        }

        var dbSteps = new List<KeyValuePair<string, int>>();
        async Task Step(string action, Func<Task<int>> run)
        {
            var changed = await run();
            dbSteps.Add(new(action, changed));
            await PrivacyAudit.AppendAsync(conn, tx, requestId, action, new { rows = changed }, by, ct);
        }

        if (subject.Id != Guid.Empty)
        {
            // The user row is locked until commit, so a webhook cannot re-link new rows to the person mid-erasure, and
            // an export cannot complete for them (it takes a share lock on the row in its completing transaction).
            var stillThere = await conn.ExecuteScalarAsync<bool>(new CommandDefinition(
                "SELECT EXISTS (SELECT 1 FROM impact.users WHERE id = @userId FOR UPDATE)", new { userId = subject.Id }, tx, cancellationToken: ct));
            var late = await conn.QuerySingleAsync<(long Jobs, long Exports)>(new CommandDefinition(
                """
                SELECT (SELECT count(*) FROM impact.backfill_jobs WHERE NOT (id = ANY(@scanned))),
                       (SELECT count(*) FROM impact.privacy_requests
                        WHERE user_id = @userId AND type = 'export' AND result_location IS NOT NULL)
                """, new { scanned = scannedJobs.ToArray(), userId = subject.Id }, tx, cancellationToken: ct));
            if (stillThere && (late.Jobs > 0 || late.Exports > 0))
            {
                if (lastRound)
                {
                    throw new InvalidOperationException(
                        $"Erasure {requestId}: new backfill files or exports of the person keep appearing; retry later.");
                }

                await tx.RollbackAsync(ct);
                return null;
            }

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
                    updated_at = clock_timestamp()
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
                SET rater_id = NULLIF(rater_id, @userId), feedback_text = NULL, updated_at = clock_timestamp()
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
                SET participant_id = NULLIF(participant_id, @userId), volunteer_id = NULLIF(volunteer_id, @userId), updated_at = clock_timestamp()
                WHERE participant_id = @userId OR volunteer_id = @userId
                """, p, tx, cancellationToken: ct)));
            await Step("bookings_anonymised", () => conn.ExecuteAsync(new CommandDefinition(
                """
                UPDATE impact.kintell_bookings
                SET participant_id = NULLIF(participant_id, @userId), volunteer_id = NULLIF(volunteer_id, @userId), updated_at = clock_timestamp()
                WHERE participant_id = @userId OR volunteer_id = @userId
                """, p, tx, cancellationToken: ct)));
            // Stored Idempotency-Key answers (kept 24 h) that name the person: the retry of that request runs again.
            await Step("idempotent_answers_deleted", () => conn.ExecuteAsync(new CommandDefinition(
                $"DELETE FROM impact.idempotency_keys WHERE {AnswerNamesPerson}", p, tx, cancellationToken: ct)));
            // Last: privacy_requests.user_id is ON DELETE SET NULL, so this also unlinks the person's requests.
            await Step("user_deleted", () => conn.ExecuteAsync(new CommandDefinition(
                "DELETE FROM impact.users WHERE id = @userId", p, tx, cancellationToken: ct)));

            var remaining = await CountRemainingAsync(conn, tx, subject.Id, subject.Email, ct) + inFiles;
            if (remaining > 0)
            {
                throw new InvalidOperationException(
                    $"Erasure {requestId} left {remaining} row(s) or file record(s) referring to the person; rolled back.");
            }

            await Step("verified", () => Task.FromResult((int)remaining));
        }

        // clock_timestamp(), not now(): the completion is stamped when it happens, after every step, not when
        // this transaction began.
        await EventLog.AppendAsync(conn, tx, EventTypes.PrivacyUserDeleted, subject.CompanyId,
            new { requestId }, requestId.ToString(), ct);
        await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE impact.privacy_requests SET status = 'completed', progress = 100, completed_at = clock_timestamp(), updated_at = clock_timestamp()
            WHERE id = @requestId
            """, new { requestId }, tx, cancellationToken: ct));
        await PrivacyAudit.AppendAsync(conn, tx, requestId, "completed", null, by, ct);
        await tx.CommitAsync(ct);
        steps.AddRange(dbSteps);
        return PrivacyRequestStatus.Completed;
    }

    // A blob step's audit row and progress, each committed on its own.
    private static async Task AuditStepAsync(NpgsqlConnection conn, Guid requestId, List<KeyValuePair<string, int>> steps, string action,
        int changed, string by, int progress, CancellationToken ct)
    {
        steps.Add(new(action, changed));
        await PrivacyAudit.AppendAsync(conn, null, requestId, action, new { rows = changed }, by, ct);
        await conn.ExecuteAsync(new CommandDefinition(
            """
            UPDATE impact.privacy_requests SET progress = greatest(progress, @progress), updated_at = clock_timestamp()
            WHERE id = @requestId AND status = 'processing'
            """, new { requestId, progress = (short)progress }, cancellationToken: ct));
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

    private sealed record BackfillFile(Guid JobId, BlockBlobClient Blob, char Delimiter);

    // The upload and error file of every job not scanned yet.
    private async Task<List<BackfillFile>> BackfillFilesAsync(NpgsqlConnection conn, HashSet<Guid> scanned, CancellationToken ct)
    {
        var jobs = await conn.QueryAsync<(Guid Id, string Container, string BlobName, string ErrorBlobName, string Delimiter)>(new CommandDefinition(
            "SELECT id, blob_container, blob_name, error_blob_name, delimiter FROM impact.backfill_jobs WHERE NOT (id = ANY(@scanned)) ORDER BY created_at",
            new { scanned = scanned.ToArray() }, cancellationToken: ct));
        return [.. jobs.SelectMany(j => new[]
        {
            new BackfillFile(j.Id, blobs.GetBlobContainerClient(j.Container).GetBlockBlobClient(j.BlobName), j.Delimiter[0]),
            new BackfillFile(j.Id, blobs.GetBlobContainerClient(j.Container).GetBlockBlobClient(j.ErrorBlobName), ','),
        })];
    }

    // Idempotent: a re-run finds those records already masked.
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

    // Every export ZIP of the person, also of an export still running (its ZIP may be written before the request
    // records it; that export then fails at completion, see PrivacyRequestStore.CompleteExportAsync). Idempotent.
    private async Task<int> DeleteExportBlobsAsync(NpgsqlConnection conn, Guid userId, CancellationToken ct)
    {
        var exports = (await conn.QueryAsync<(Guid Id, string? Location)>(new CommandDefinition(
            "SELECT id, result_location FROM impact.privacy_requests WHERE user_id = @userId AND type = 'export'",
            new { userId }, cancellationToken: ct))).ToList();
        var deleted = 0;
        foreach (var (exportId, location) in exports)
        {
            var any = false;
            foreach (var (container, name) in new[] { (options.Value.ExportsContainer, $"{exportId}.zip"), Split(location) }.Distinct())
            {
                if (container is not null && name is not null)
                {
                    any |= (await blobs.GetBlobContainerClient(container).GetBlobClient(name).DeleteIfExistsAsync(cancellationToken: ct)).Value;
                }
            }

            deleted += any ? 1 : 0;
        }

        await conn.ExecuteAsync(new CommandDefinition(
            "UPDATE impact.privacy_requests SET result_location = NULL, updated_at = clock_timestamp() WHERE id = ANY(@ids) AND result_location IS NOT NULL",
            new { ids = exports.Select(e => e.Id).ToArray() }, cancellationToken: ct));
        return deleted;
    }

    private static (string? Container, string? Name) Split(string? location) =>
        location?.IndexOf('/', StringComparison.Ordinal) is int slash and > 0 ? (location[..slash], location[(slash + 1)..]) : (null, null);
}
