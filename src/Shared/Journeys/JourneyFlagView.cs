namespace Impact.Shared.Journeys;

/// <summary>A flag a user holds.</summary>
public sealed record JourneyFlagView(string Flag, string? SetByRule, DateTime SetAt, DateTime? ExpiresAt);

/// <summary>One change of a user's flag.</summary>
public sealed record JourneyFlagChangeView(string Flag, string Change, string? Rule, Guid? CauseEventId, DateTime ChangedAt);

/// <summary>A milestone a user reached.</summary>
public sealed record JourneyMilestoneView(string Milestone, string Rule, DateTime ReachedAt);
