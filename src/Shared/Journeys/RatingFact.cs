namespace Impact.Shared.Journeys;

/// <summary>A rating of one of the user's sessions: <c>received</c> (by the other party) or <c>given</c> (by the user). Rating is 1–5.</summary>
public sealed record RatingFact(int Rating, string FromRole, string SessionType, string Direction, DateTimeOffset RatedAt);
