namespace Impact.Shared.Journeys;

/// <summary>One action of a rule.</summary>
/// <param name="Type"><c>set_flag</c> (held while the rule matches), <c>clear_flag</c>, or <c>emit_event</c> (a milestone, reached once).</param>
/// <param name="Flag">The flag a <c>set_flag</c>/<c>clear_flag</c> acts on.</param>
/// <param name="Milestone">The milestone an <c>emit_event</c> marks.</param>
/// <param name="ExpiresInDays">For <c>set_flag</c>: the flag lapses this many days after it was set, unless set again.</param>
public sealed record RuleAction(string Type, string? Flag = null, string? Milestone = null, double? ExpiresInDays = null);
