namespace Impact.Shared.Journeys;

/// <summary>A session the user took part in, with the user's role in it.</summary>
public sealed record SessionFact(string SessionType, string? LanguageLevel, int? DurationMinutes, DateTimeOffset? CompletedAt, string Role) : IFactRow
{
    DateTimeOffset? IFactRow.Time => CompletedAt;

    string? IFactRow.TextOf(string field) => field switch
    {
        "session_type" => SessionType,
        "language_level" => LanguageLevel,
        "role" => Role,
        _ => null,
    };

    double? IFactRow.NumberOf(string field) => field == "duration_minutes" ? DurationMinutes : null;
}
