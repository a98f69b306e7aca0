namespace Impact.Shared.Journeys;

/// <summary>A flag the user holds: who set it, when, until when.</summary>
public sealed record FlagFact(string Flag, string? SetByRule, DateTimeOffset SetAt, DateTimeOffset? ExpiresAt) : IFactRow
{
    DateTimeOffset? IFactRow.Time => SetAt;

    string? IFactRow.TextOf(string field) => field switch
    {
        "flag" => Flag,
        "set_by_rule" => SetByRule,
        _ => null,
    };

    double? IFactRow.NumberOf(string field) => null;
}
