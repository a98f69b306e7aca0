namespace Impact.Shared.Journeys;

/// <summary>
/// One row a condition reads (a session, rating, score, flag or the profile), by field name: the rule vocabulary's names
/// (<see cref="RuleVocabulary"/>). The fact records implement it themselves, so interpreting a rule allocates nothing per row.
/// </summary>
public interface IFactRow
{
    /// <summary>When the row happened (for <c>latest</c> and <c>time_since</c>); null when unknown.</summary>
    DateTimeOffset? Time { get; }

    /// <summary>A text field, or null when the row has none of that name.</summary>
    string? TextOf(string field);

    /// <summary>A number field, or null when the row has none of that name.</summary>
    double? NumberOf(string field);
}
