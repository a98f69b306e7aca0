namespace Impact.Shared.Journeys;

/// <summary>One outcome dimension score of one of the user's texts.</summary>
public sealed record ScoreFact(string Dimension, double Score, string Language, DateTimeOffset ScoredAt);
