using System.Globalization;
using System.Net.Mail;
using System.Text.Json;

namespace Impact.Shared.Webhooks;

/// <summary>The webhook kinds Kintell sends, as they appear in the route.</summary>
public static class KintellKinds
{
    /// <summary>A session took place.</summary>
    public const string SessionCompleted = "session-completed";
    /// <summary>A participant or volunteer rated a session.</summary>
    public const string RatingCreated = "rating-created";
    /// <summary>A session was booked.</summary>
    public const string BookingConfirmed = "booking-confirmed";

    /// <summary>Every kind, in route spelling.</summary>
    public static readonly IReadOnlyList<string> All = [SessionCompleted, RatingCreated, BookingConfirmed];
}

/// <summary>A validated <c>session-completed</c> payload.</summary>
public sealed record SessionCompleted(string SessionId, string SessionType, string ParticipantEmail, string VolunteerEmail,
    DateTimeOffset ScheduledAt, DateTimeOffset CompletedAt, int DurationMinutes, IReadOnlyList<string>? Topics, string? LanguageLevel);

/// <summary>A validated <c>rating-created</c> payload.</summary>
public sealed record RatingCreated(string RatingId, string SessionId, string FromRole, int Rating, string? FeedbackText, DateTimeOffset CreatedAt)
{
    /// <summary>The rating on a 0–1 scale: (r − 1) / 4.</summary>
    public double Normalized => (Rating - 1) / 4.0;
}

/// <summary>A validated <c>booking-confirmed</c> payload.</summary>
public sealed record BookingConfirmed(string BookingId, string SessionType, string ParticipantEmail, string VolunteerEmail, DateTimeOffset ScheduledAt);

/// <summary>
/// Reads and validates Kintell payloads field by field, so a partner is told every field that is
/// wrong at once. E-mails are lower-cased and CEFR levels upper-cased on the way in.
/// </summary>
public static class KintellPayloads
{
    private static readonly string[] SessionTypes = ["language", "mentorship"];
    private static readonly string[] Roles = ["participant", "volunteer"];
    private static readonly string[] CefrLevels = ["A1", "A2", "B1", "B2", "C1", "C2"];

    /// <summary>Parses <paramref name="json"/> as the payload of <paramref name="kind"/>.</summary>
    /// <returns>The payload, or the errors per field (never both).</returns>
    /// <exception cref="JsonException">The bytes are not JSON.</exception>
    public static (object? Payload, IReadOnlyDictionary<string, string[]> Errors) Parse(string kind, ReadOnlySpan<byte> json)
    {
        using var doc = JsonDocument.Parse(json.ToArray());
        if (doc.RootElement.ValueKind != JsonValueKind.Object)
        {
            return (null, new Dictionary<string, string[]> { ["$"] = ["the body must be a JSON object"] });
        }

        var r = new FieldReader(doc.RootElement);
        object? payload = kind switch
        {
            KintellKinds.SessionCompleted => ReadSession(r),
            KintellKinds.RatingCreated => ReadRating(r),
            KintellKinds.BookingConfirmed => ReadBooking(r),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "unknown webhook kind"),
        };
        return r.Errors.Count == 0 ? (payload, r.Errors) : (null, r.Errors);
    }

    private static SessionCompleted? ReadSession(FieldReader r)
    {
        var session = new SessionCompleted(
            r.Text("session_id"), r.OneOf("session_type", SessionTypes), r.Email("participant_email"), r.Email("volunteer_email"),
            r.Time("scheduled_at"), r.Time("completed_at"), r.Integer("duration_minutes", 0, 24 * 60),
            r.OptionalTextList("topics"), r.OptionalOneOf("language_level", CefrLevels, upper: true));
        if (r.Errors.Count == 0 && session.CompletedAt < session.ScheduledAt)
        {
            r.Add("completed_at", "must not be before scheduled_at");
        }

        if (r.Errors.Count == 0 && session.ParticipantEmail == session.VolunteerEmail)
        {
            r.Add("volunteer_email", "must differ from participant_email");
        }

        return session;
    }

    private static RatingCreated ReadRating(FieldReader r) => new(
        r.Text("rating_id"), r.Text("session_id"), r.OneOf("from_role", Roles), r.Integer("rating", 1, 5),
        r.OptionalText("feedback_text", 10_000), r.Time("created_at"));

    private static BookingConfirmed? ReadBooking(FieldReader r)
    {
        var booking = new BookingConfirmed(r.Text("booking_id"), r.OneOf("session_type", SessionTypes),
            r.Email("participant_email"), r.Email("volunteer_email"), r.Time("scheduled_at"));
        if (r.Errors.Count == 0 && booking.ParticipantEmail == booking.VolunteerEmail)
        {
            r.Add("volunteer_email", "must differ from participant_email");
        }

        return booking;
    }

    /// <summary>Collects every field error instead of stopping at the first.</summary>
    private sealed class FieldReader(JsonElement root)
    {
        private readonly Dictionary<string, List<string>> errors = [];

        public IReadOnlyDictionary<string, string[]> Errors => errors.ToDictionary(e => e.Key, e => e.Value.ToArray());

        public void Add(string field, string message)
        {
            if (!errors.TryGetValue(field, out var list))
            {
                errors[field] = list = [];
            }

            list.Add(message);
        }

        public string Text(string field, int maxLength = 200)
        {
            var value = OptionalText(field, maxLength);
            if (value is null && !errors.ContainsKey(field))
            {
                Add(field, "is required");
            }

            return value ?? "";
        }

        public string? OptionalText(string field, int maxLength = 200)
        {
            if (!root.TryGetProperty(field, out var e) || e.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            if (e.ValueKind != JsonValueKind.String)
            {
                Add(field, "must be a string");
                return null;
            }

            var s = e.GetString()!.Trim();
            if (s.Length == 0)
            {
                return null;
            }

            if (s.Length > maxLength)
            {
                Add(field, $"must be at most {maxLength} characters");
                return null;
            }

            return s;
        }

        public string Email(string field)
        {
            var s = Text(field, 254);
            if (s.Length == 0)
            {
                return s;
            }

            var email = s.ToLowerInvariant();
            if (!MailAddress.TryCreate(email, out var parsed) || parsed.Address != email || !email.Contains('.', StringComparison.Ordinal))
            {
                Add(field, "must be an e-mail address");
            }

            return email;
        }

        public string OneOf(string field, string[] allowed)
        {
            var s = Text(field);
            if (s.Length > 0 && !allowed.Contains(s, StringComparer.Ordinal))
            {
                Add(field, $"must be one of: {string.Join(", ", allowed)}");
            }

            return s;
        }

        public string? OptionalOneOf(string field, string[] allowed, bool upper)
        {
            var s = OptionalText(field);
            if (s is null)
            {
                return null;
            }

            if (upper)
            {
                s = s.ToUpperInvariant();
            }

            if (!allowed.Contains(s, StringComparer.Ordinal))
            {
                Add(field, $"must be one of: {string.Join(", ", allowed)}");
            }

            return s;
        }

        public DateTimeOffset Time(string field)
        {
            var s = Text(field, 40);
            if (s.Length == 0)
            {
                return default;
            }

            // ISO 8601 with an explicit offset or Z: a local time without a zone is ambiguous.
            if (!DateTimeOffset.TryParse(s, CultureInfo.InvariantCulture, DateTimeStyles.None, out var value)
                || !(s.EndsWith('Z') || s.EndsWith('z') || s.LastIndexOfAny(['+', '-']) > 9))
            {
                Add(field, "must be an ISO 8601 date-time with a time zone, e.g. 2026-03-01T14:00:00Z");
                return default;
            }

            return value.ToUniversalTime();
        }

        public int Integer(string field, int min, int max)
        {
            if (!root.TryGetProperty(field, out var e) || e.ValueKind == JsonValueKind.Null)
            {
                Add(field, "is required");
                return 0;
            }

            if (e.ValueKind != JsonValueKind.Number || !e.TryGetInt32(out var value))
            {
                Add(field, "must be a whole number");
                return 0;
            }

            if (value < min || value > max)
            {
                Add(field, $"must be between {min} and {max}");
            }

            return value;
        }

        public IReadOnlyList<string>? OptionalTextList(string field)
        {
            if (!root.TryGetProperty(field, out var e) || e.ValueKind == JsonValueKind.Null)
            {
                return null;
            }

            if (e.ValueKind != JsonValueKind.Array || e.EnumerateArray().Any(x => x.ValueKind != JsonValueKind.String))
            {
                Add(field, "must be an array of strings");
                return null;
            }

            return e.EnumerateArray().Select(x => x.GetString()!).ToList();
        }
    }
}
