namespace Impact.Shared.Journeys;

/// <summary>The words of the rule format: condition and action types, sources, fields, operators, aggregates.</summary>
public static class RuleVocabulary
{
    /// <summary>Condition types.</summary>
    public static readonly IReadOnlyList<string> ConditionTypes = ["count", "exists", "value", "time_since", "all_of", "any_of"];

    /// <summary>Action types.</summary>
    public static readonly IReadOnlyList<string> ActionTypes = ["set_flag", "clear_flag", "emit_event"];

    /// <summary>Comparison operators.</summary>
    public static readonly IReadOnlyList<string> Operators = [">=", "<=", "=", "!=", ">", "<"];

    /// <summary>Aggregates of a <c>value</c> condition over rows.</summary>
    public static readonly IReadOnlyList<string> Aggregates = ["avg", "min", "max", "sum", "latest"];

    /// <summary>Each source with its fields: numeric, text and the time field <c>time_since</c> measures from.</summary>
    public static readonly IReadOnlyDictionary<string, SourceFields> Sources = new Dictionary<string, SourceFields>
    {
        ["sessions"] = new(Numeric: ["duration_minutes"], Text: ["session_type", "language_level", "role"], Time: "completed_at"),
        ["ratings"] = new(Numeric: ["rating"], Text: ["from_role", "session_type", "direction"], Time: "rated_at"),
        ["outcome_scores"] = new(Numeric: ["score"], Text: ["dimension", "language"], Time: "scored_at"),
        ["flags"] = new(Numeric: [], Text: ["flag", "set_by_rule"], Time: "set_at"),
        ["profile"] = new(Numeric: [], Text: ["role"], Time: null),
    };

    /// <summary>The fields of one source.</summary>
    /// <param name="Numeric">Fields a <c>value</c> condition can aggregate.</param>
    /// <param name="Text">Fields <c>where</c> can filter on (and a <c>value</c> condition can compare with = or !=).</param>
    /// <param name="Time">The timestamp <c>time_since</c> measures from; null when the source has none.</param>
    public sealed record SourceFields(IReadOnlyList<string> Numeric, IReadOnlyList<string> Text, string? Time);
}
