namespace Impact.Shared.Journeys;

/// <summary>One change of a user's flag.</summary>
public sealed record JourneyFlagChangeView(string Flag, string Change, string? Rule, Guid? CauseEventId, DateTime ChangedAt);
