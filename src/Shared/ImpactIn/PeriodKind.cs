namespace Impact.Shared.ImpactIn;

/// <summary>The length of the period a delivery reports on.</summary>
public enum PeriodKind
{
    /// <summary>A calendar month.</summary>
    Month,

    /// <summary>A calendar quarter (Jan–Mar, Apr–Jun, Jul–Sep, Oct–Dec).</summary>
    Quarter,
}
