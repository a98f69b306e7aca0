namespace Impact.Shared.Journeys;

/// <summary>
/// One journey rule (SPEC §J): when all of its <see cref="Conditions"/> hold for a user, its
/// <see cref="Actions"/> apply. Rules run in <see cref="Priority"/> order, higher first, ties by id.
/// </summary>
/// <param name="Id">Stable id (<c>[a-z][a-z0-9_]*</c>), unique per company; a company's rule with a default's id overrides it.</param>
/// <param name="Name">A short name for people.</param>
/// <param name="Description">What the rule is for.</param>
/// <param name="Priority">Higher runs first; the first rule that decides a flag wins.</param>
/// <param name="Active">Inactive rules are kept but not evaluated.</param>
/// <param name="Conditions">All must hold (an implicit <c>all_of</c>).</param>
/// <param name="Actions">What happens while the rule matches.</param>
public sealed record JourneyRule(
    string Id,
    string Name,
    string? Description,
    int Priority,
    bool Active,
    IReadOnlyList<RuleCondition> Conditions,
    IReadOnlyList<RuleAction> Actions);
