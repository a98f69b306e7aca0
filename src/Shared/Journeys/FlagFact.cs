namespace Impact.Shared.Journeys;

/// <summary>A flag the user holds: who set it, when, until when.</summary>
public sealed record FlagFact(string Flag, string? SetByRule, DateTimeOffset SetAt, DateTimeOffset? ExpiresAt);
