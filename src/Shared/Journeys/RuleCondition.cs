namespace Impact.Shared.Journeys;

/// <summary>
/// One condition of a rule; which members are used depends on <see cref="Type"/> (see
/// <see cref="RuleVocabulary"/> and the README's "Journey rules"). Interpreted, never compiled.
/// </summary>
/// <param name="Type"><c>count</c>, <c>exists</c>, <c>value</c>, <c>time_since</c>, <c>all_of</c> or <c>any_of</c>.</param>
/// <param name="Source"><c>sessions</c>, <c>ratings</c>, <c>outcome_scores</c>, <c>flags</c> or <c>profile</c>.</param>
/// <param name="Where">Equality filters on the source's rows (e.g. <c>session_type: language</c>).</param>
/// <param name="Field">The field a <c>value</c> condition reads.</param>
/// <param name="Dimension">For <c>outcome_scores</c>: the dimension (shorthand for <c>where: {dimension: …}</c>).</param>
/// <param name="Aggregate"><c>avg</c>, <c>min</c>, <c>max</c>, <c>sum</c> or <c>latest</c> for a <c>value</c> condition over rows.</param>
/// <param name="Op">Comparison operator: <c>&gt;= &lt;= = != &gt; &lt;</c>.</param>
/// <param name="Number">The number compared with (count, value, days).</param>
/// <param name="Text">The text compared with (<c>value</c> of a text field, with <c>=</c> or <c>!=</c>).</param>
/// <param name="Days">For <c>time_since</c>: days since the latest row.</param>
/// <param name="Conditions">For <c>all_of</c>/<c>any_of</c>: the nested conditions.</param>
public sealed record RuleCondition(
    string Type,
    string? Source = null,
    IReadOnlyDictionary<string, string>? Where = null,
    string? Field = null,
    string? Dimension = null,
    string? Aggregate = null,
    string? Op = null,
    double? Number = null,
    string? Text = null,
    double? Days = null,
    IReadOnlyList<RuleCondition>? Conditions = null);
