namespace Impact.Shared.Journeys;

/// <summary>A milestone reached by a rule's <c>emit_event</c>.</summary>
public sealed record MilestoneReached(string Milestone, string Rule);
