namespace Impact.Shared.Journeys;

/// <summary>A milestone a user reached.</summary>
public sealed record JourneyMilestoneView(string Milestone, string Rule, DateTime ReachedAt);
