namespace Impact.Shared.Feedback;

/// <summary>Risk of a screened text (SPEC §G): LOW from 0.3, MEDIUM from 0.6, HIGH from 0.9 of the highest category score.</summary>
public enum RiskLevel
{
    /// <summary>Below 0.3 in every category.</summary>
    None = 0,
    /// <summary>Highest score ≥ 0.3: classified.</summary>
    Low = 1,
    /// <summary>Highest score ≥ 0.6: classified and queued for review.</summary>
    Medium = 2,
    /// <summary>Highest score ≥ 0.9: held for review, never classified before release.</summary>
    High = 3,
}
