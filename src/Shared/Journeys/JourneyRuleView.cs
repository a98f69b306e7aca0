namespace Impact.Shared.Journeys;

/// <summary>A rule as the API shows it: the rule, whether it is the platform default or the company's own, its source text.</summary>
/// <param name="Id">The rule id.</param>
/// <param name="Scope"><c>default</c> (the platform's, for every company that has not overridden it) or <c>company</c>.</param>
/// <param name="Rule">The validated rule.</param>
/// <param name="Source">The YAML or JSON it was saved as.</param>
/// <param name="UpdatedAt">When it was last saved.</param>
public sealed record JourneyRuleView(string Id, string Scope, JourneyRule Rule, string Source, DateTimeOffset UpdatedAt);
