namespace Impact.Shared.Journeys;

/// <summary>A rating of one of the user's sessions: <c>received</c> (by the other party) or <c>given</c> (by the user). Rating is 1–5.</summary>
public sealed record RatingFact(int Rating, string FromRole, string SessionType, string Direction, DateTimeOffset RatedAt) : IFactRow
{
    DateTimeOffset? IFactRow.Time => RatedAt;

    string? IFactRow.TextOf(string field) => field switch
    {
        "from_role" => FromRole,
        "session_type" => SessionType,
        "direction" => Direction,
        _ => null,
    };

    double? IFactRow.NumberOf(string field) => field == "rating" ? Rating : null;
}
