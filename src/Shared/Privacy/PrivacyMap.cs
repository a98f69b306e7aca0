namespace Impact.Shared.Privacy;

/// <summary>What a column holds about a person.</summary>
public enum PersonalData
{
    /// <summary>The id of a row in <c>impact.users</c>.</summary>
    UserId,
    /// <summary>An e-mail address.</summary>
    Email,
    /// <summary>A name or other direct identifier.</summary>
    Name,
    /// <summary>Free text a person wrote; may say anything about anyone.</summary>
    FreeText,
    /// <summary>JSON holding e-mail addresses and free text (stored partner payloads).</summary>
    JsonWithEmails,
    /// <summary>JSON holding user ids under known keys (event data).</summary>
    JsonWithUserIds,
    /// <summary>An error message: it may quote a value it was about, such as an e-mail address or a user id.</summary>
    ErrorText,
}

/// <summary>One column that holds personal data, and what a DSAR export and an erasure do with it.</summary>
/// <param name="Table">Table name in schema <c>impact</c>.</param>
/// <param name="Column">Column name.</param>
/// <param name="Holds">What kind of personal data it holds.</param>
/// <param name="Export">How the export presents it (and what it redacts).</param>
/// <param name="Erasure">What an erasure does to it.</param>
public sealed record PersonalColumn(string Table, string Column, PersonalData Holds, string Export, string Erasure);

/// <summary>Stored files (outside the database) that hold personal data, and what export and erasure do with them.</summary>
/// <param name="What">Which files.</param>
/// <param name="Where">Container and blob names.</param>
/// <param name="Holds">What they hold about people.</param>
/// <param name="Export">How the export treats them.</param>
/// <param name="Erasure">What an erasure does to them.</param>
public sealed record PersonalFiles(string What, string Where, string Holds, string Export, string Erasure);

/// <summary>A column that looks personal (a user reference, an e-mail-like name, JSON) but is not, and why.</summary>
/// <param name="Table">Table name in schema <c>impact</c>.</param>
/// <param name="Column">Column name.</param>
/// <param name="Reason">Why it holds no data about a data subject.</param>
public sealed record NotPersonalColumn(string Table, string Column, string Reason);

/// <summary>
/// The one list of every table and column holding personal data, and how export
/// (<see cref="PrivacyExport"/>) and erasure (<see cref="PrivacyErasure"/>) treat it. A test compares
/// it with the migrated schema: a new user reference, e-mail column or JSON column must be listed
/// here (or in <see cref="NotPersonal"/> with a reason) before the build passes.
/// </summary>
public static class PrivacyMap
{
    /// <summary>Keys under which event data names a person by user id.</summary>
    public static readonly IReadOnlyList<string> EventUserIdKeys = ["participantId", "volunteerId", "userId", "raterId"];

    /// <summary>Keys of stored Kintell payloads that hold an e-mail address.</summary>
    public static readonly IReadOnlyList<string> PayloadEmailKeys = ["participant_email", "volunteer_email"];

    /// <summary>Keys of stored Kintell payloads that hold free text written by a person.</summary>
    public static readonly IReadOnlyList<string> PayloadFreeTextKeys = ["feedback_text"];

    /// <summary>What replaces erased values inside stored JSON payloads.</summary>
    public const string ErasedMarker = "[erased]";

    /// <summary>What replaces other people's data in an export.</summary>
    public const string RedactedMarker = "[redacted]";

    /// <summary>Every column holding personal data.</summary>
    public static readonly IReadOnlyList<PersonalColumn> Personal =
    [
        new("users", "id", PersonalData.UserId, "profile", "row deleted (last step, after every reference is cleared)"),
        new("users", "email", PersonalData.Email, "profile", "row deleted"),
        new("users", "display_name", PersonalData.Name, "profile", "row deleted"),
        new("kintell_sessions", "participant_id", PersonalData.UserId,
            "sessions; the other party's id is redacted", "set to NULL: the session (duration, type, level) stays in the aggregates"),
        new("kintell_sessions", "volunteer_id", PersonalData.UserId,
            "sessions; the other party's id is redacted", "set to NULL: the session stays in the aggregates"),
        new("kintell_ratings", "rater_id", PersonalData.UserId,
            "ratings (those the person gave)", "set to NULL: the rating value stays in the aggregates"),
        new("kintell_ratings", "feedback_text", PersonalData.FreeText,
            "ratings (the person's own text)",
            "set to NULL on the person's ratings and on the other party's ratings of sessions with the person (feedback on a one-to-one session describes both)"),
        new("kintell_bookings", "participant_id", PersonalData.UserId,
            "bookings; the other party's id is redacted", "set to NULL"),
        new("kintell_bookings", "volunteer_id", PersonalData.UserId,
            "bookings; the other party's id is redacted", "set to NULL"),
        new("webhook_deliveries", "payload", PersonalData.JsonWithEmails,
            "webhook_deliveries (payloads naming the person's e-mail or rating); other e-mails redacted",
            "the person's e-mail values and the feedback_text of ratings erased above replaced with \"[erased]\"; the row and payload_hash stay so a resent delivery is still a duplicate"),
        new("events", "data", PersonalData.JsonWithUserIds,
            "events (those naming the person's id); other people's ids redacted",
            "the person's id under participantId/volunteerId/userId/raterId replaced with null; the event stays"),
        new("privacy_requests", "user_id", PersonalData.UserId,
            "privacy_requests (the person's own requests)",
            "set to NULL when the user row is deleted (ON DELETE SET NULL); export result_location cleared and the ZIP blob deleted"),
        new("texts", "user_id", PersonalData.UserId,
            "texts (those the person wrote), with their outcome scores", "row deleted, with its scores and evidence"),
        new("texts", "text", PersonalData.FreeText,
            "texts (the person's own)",
            "row deleted, and so are the texts of ratings whose feedback was erased with the person"),
        new("outcome_scores", "user_id", PersonalData.UserId,
            "inside texts (outcome_scores per text)", "row deleted (with its text, or on its own)"),
        new("evidence_snippets", "snippet", PersonalData.FreeText,
            "not exported separately: masked excerpts of texts already exported", "deleted with the score it belongs to (ON DELETE CASCADE)"),
        new("idempotency_keys", "response_body", PersonalData.JsonWithUserIds,
            "not exported: a copy, kept at most 24 h for Idempotency-Key retries, of an API answer whose data the export holds from its tables",
            "rows whose stored answer names the person's id or e-mail deleted (a retry with that key then runs again)"),
        new("safety_review_queue", "notes", PersonalData.FreeText,
            "inside texts (review: status, risk, the reviewer's notes, decided_at) of the person's own texts",
            "deleted with the text (ON DELETE CASCADE from texts)"),
        new("safety_flags", "reasons", PersonalData.FreeText,
            "inside texts (flags: category, score, risk, reasons) of the person's own texts; reasons are matched words and PII kinds, never the PII",
            "deleted with the text (ON DELETE CASCADE from texts)"),
        new("texts", "last_error", PersonalData.ErrorText,
            "not exported: why processing a text failed (operational)", ErrorTextErasure),
        new("journey_flags", "user_id", PersonalData.UserId,
            "journey_flags (the person's flags)", "row deleted with the user (the user-delete trigger of migration 0170, as ON DELETE CASCADE did)"),
        new("journey_flag_history", "user_id", PersonalData.UserId,
            "journey_flag_history (the person's flag changes)", "row deleted with the user (the user-delete trigger of migration 0170, as ON DELETE CASCADE did)"),
        new("journey_milestones", "user_id", PersonalData.UserId,
            "journey_milestones (the person's milestones)", "row deleted with the user (the user-delete trigger of migration 0170, as ON DELETE CASCADE did)"),
        new("cohort_members", "user_id", PersonalData.UserId,
            "cohort_memberships (the cohorts the person belongs to, with the date they joined)", "row deleted with the user (ON DELETE CASCADE)"),
        new("webhook_deliveries", "last_error", PersonalData.ErrorText,
            "not exported: why processing a delivery failed (operational)", ErrorTextErasure),
        new("backfill_jobs", "last_error", PersonalData.ErrorText,
            "not exported: why an import failed (operational)", ErrorTextErasure),
        new("privacy_requests", "error", PersonalData.ErrorText,
            "not exported: why a request failed (operational)", ErrorTextErasure),
        new("scheduled_deliveries", "last_error", PersonalData.ErrorText,
            "not exported: partner platform errors about company-level reports", ErrorTextErasure),
        new("impact_deliveries", "last_error", PersonalData.ErrorText,
            "not exported: partner platform errors about company-level reports", ErrorTextErasure),
        new("impact_delivery_attempts", "error", PersonalData.ErrorText,
            "not exported: partner platform errors about company-level reports", ErrorTextErasure),
        new("impact_delivery_attempts", "response_excerpt", PersonalData.ErrorText,
            "not exported: what a partner platform answered to a company-level report", ErrorTextErasure),
    ];

    /// <summary>Files in blob storage holding personal data.</summary>
    public static readonly IReadOnlyList<PersonalFiles> Files =
    [
        new("CSV backfill uploads", "<Backfill:Container>/uploads/<jobId>.csv (impact.backfill_jobs.blob_name)",
            "partner CSV rows: e-mail addresses, names, feedback text",
            "not exported: copies of rows the export already holds from the tables",
            "every record naming the person's e-mail masked in place with '*' at the same byte length, so checkpoints stay valid"),
        new("CSV backfill error files", "<Backfill:Container>/errors/<jobId>.csv (impact.backfill_jobs.error_blob_name)",
            "rejected partner CSV rows with the reason",
            "not exported: rows that were never loaded",
            "every record naming the person's e-mail masked in place, block by block"),
        new("DSAR export ZIPs", "<Privacy:ExportsContainer>/<requestId>.zip (impact.privacy_requests.result_location)",
            "everything held about one person",
            "is the export",
            "deleted, and result_location cleared"),
    ];

    private const string ErrorTextErasure = "the person's e-mail address and user id replaced with \"[erased]\" wherever the text quotes them";

    /// <summary>Columns that look personal but are not, each with the reason.</summary>
    public static readonly IReadOnlyList<NotPersonalColumn> NotPersonal =
    [
        new("backfill_jobs", "error_blob_name", "the name of a job's error file (errors/<jobId>.csv); what the file holds is listed in Files"),
        new("journey_flags", "value", "the flag's value (true), no data about the person beyond the row's user_id"),
        new("journey_flag_history", "value", "the flag's value after the change (true/false)"),
        new("journey_rules", "definition", "a company's rule (conditions and actions), written by its administrators; names no person"),
        new("backfill_jobs", "error_delimiter", "',' or ';': the delimiter the job's error file is written with (a CHECK constraint allows nothing else)"),
        new("idempotency_keys", "response_headers", "the headers of a stored API answer (Content-Type, Location naming a resource id, Retry-After); no person's data"),
        new("companies", "email_domain", "a company's e-mail domain (e.g. example.com), not an address of a person"),
        new("audit_log", "details", "administrator actions on deliveries: delivery ids, counts and reasons, never payload contents"),
        new("privacy_audit_log", "details", "step counts and request ids only; written by PrivacyErasure/PrivacyExport, which never put a user id or e-mail there"),
        // Administrators are staff acting on requests, not data subjects of the platform; their names are the
        // accountability record (GDPR Art. 5(2)) and are kept.
        new("audit_log", "performed_by", "administrator name, kept for accountability"),
        new("privacy_audit_log", "performed_by", "privacy officer's principal (or \"system\"), kept for accountability"),
        new("privacy_requests", "requested_by", "privacy officer's principal, kept for accountability"),
        new("privacy_requests", "approved_by", "privacy officer's principal, kept for accountability"),
        new("privacy_requests", "rejected_by", "privacy officer's principal, kept for accountability"),
        new("drift_checks", "dimensions", "per outcome dimension, PSI/JS figures and label proportions of a company and language over a window; no person"),
        new("model_registry", "thresholds", "a model's numeric decision thresholds from models.yaml; nothing about people"),
        new("safety_review_queue", "reviewer", "the reviewer's principal (staff), kept for accountability"),
        new("texts", "released_by", "the reviewer's principal (staff) who released a held text, kept for accountability"),
        new("model_registry", "activated_by", "the operator's principal (staff) who activated a model, kept for accountability"),
    ];
}
