namespace Impact.Shared.Journeys;

/// <summary>A flag a user holds.</summary>
public sealed record JourneyFlagView(string Flag, string? SetByRule, DateTime SetAt, DateTime? ExpiresAt);
