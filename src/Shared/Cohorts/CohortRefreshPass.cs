namespace Impact.Shared.Cohorts;

/// <summary>What one refresh did.</summary>
/// <param name="Events">Events read from the stream.</param>
/// <param name="MembershipChanges">People who joined or left a cohort.</param>
/// <param name="Recomputed">The cohort × metric × period rows recomputed (and replaced), in the order done.</param>
public sealed record CohortRefreshPass(int Events, int MembershipChanges, IReadOnlyList<DirtyPeriod> Recomputed)
{
    /// <summary>Nothing read, nothing done.</summary>
    public static CohortRefreshPass Empty { get; } = new(0, 0, []);

    /// <summary>Both passes' work.</summary>
    public CohortRefreshPass Add(CohortRefreshPass other) =>
        new(Events + other.Events, MembershipChanges + other.MembershipChanges, [.. Recomputed, .. other.Recomputed]);
}

/// <summary>One cohort × metric × period whose row is out of date.</summary>
public sealed record DirtyPeriod(Guid CohortId, string Metric, string PeriodKind, DateOnly PeriodStart);
