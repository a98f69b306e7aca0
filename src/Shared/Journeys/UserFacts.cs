namespace Impact.Shared.Journeys;

/// <summary>
/// Everything the rules may read about one user, loaded in one round trip per batch of users
/// (<see cref="JourneyFacts"/>): the profile, the sessions the user took part in, the ratings of
/// those sessions and the ones the user gave, the outcome scores of the user's texts, and the flags held now.
/// </summary>
public sealed class UserFacts(Guid userId, Guid? companyId, string? role)
{
    /// <summary>The user.</summary>
    public Guid UserId { get; } = userId;

    /// <summary>The user's company.</summary>
    public Guid? CompanyId { get; } = companyId;

    /// <summary><c>participant</c> or <c>volunteer</c>.</summary>
    public string? Role { get; } = role;

    /// <summary>Sessions the user took part in.</summary>
    public List<SessionFact> Sessions { get; } = [];

    /// <summary>Ratings of the user's sessions (<c>direction</c> received or given).</summary>
    public List<RatingFact> Ratings { get; } = [];

    /// <summary>Outcome scores of the user's texts.</summary>
    public List<ScoreFact> Scores { get; } = [];

    /// <summary>Flags held now, by name.</summary>
    public Dictionary<string, FlagFact> Flags { get; } = new(StringComparer.Ordinal);

    /// <summary>Milestones already reached.</summary>
    public HashSet<string> Milestones { get; } = new(StringComparer.Ordinal);
}

