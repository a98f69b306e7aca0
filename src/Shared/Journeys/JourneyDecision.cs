namespace Impact.Shared.Journeys;

/// <summary>What evaluating the rules decided for one user: flags to set, flags to clear, milestones newly reached.</summary>
public sealed record JourneyDecision(Guid UserId, IReadOnlyList<FlagChange> Set, IReadOnlyList<FlagChange> Cleared, IReadOnlyList<MilestoneReached> Milestones)
{
    /// <summary>True when nothing changes.</summary>
    public bool IsEmpty => Set.Count == 0 && Cleared.Count == 0 && Milestones.Count == 0;
}

/// <summary>A flag set or cleared by a rule (for a clear, the rule that had set it, if known).</summary>
public sealed record FlagChange(string Flag, string? Rule, DateTimeOffset? ExpiresAt);
