namespace Impact.Shared.Journeys;

/// <summary>One outcome dimension score of one of the user's texts.</summary>
public sealed record ScoreFact(string Dimension, double Score, string Language, DateTimeOffset ScoredAt) : IFactRow
{
    DateTimeOffset? IFactRow.Time => ScoredAt;

    string? IFactRow.TextOf(string field) => field switch
    {
        "dimension" => Dimension,
        "language" => Language,
        _ => null,
    };

    double? IFactRow.NumberOf(string field) => field == "score" ? Score : null;
}
