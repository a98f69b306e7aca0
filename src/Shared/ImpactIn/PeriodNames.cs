namespace Impact.Shared.ImpactIn;

/// <summary>
/// The names of <see cref="PeriodKind"/> as stored (<c>period_kind</c>), returned by the API, accepted
/// in a schedule's <c>period</c> and used in delivery keys: the one mapping between the two.
/// </summary>
public static class PeriodNames
{
    /// <summary>A calendar month.</summary>
    public const string Month = "month";

    /// <summary>A calendar quarter.</summary>
    public const string Quarter = "quarter";

    /// <summary>The name of a period kind.</summary>
    public static string Of(PeriodKind kind) => kind == PeriodKind.Quarter ? Quarter : Month;

    /// <summary>The period kind a name stands for (case-insensitive, trimmed), or null when it is neither.</summary>
    public static PeriodKind? Parse(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        Month => PeriodKind.Month,
        Quarter => PeriodKind.Quarter,
        _ => null,
    };

    /// <summary>The period kind of a stored name (a stored name is always valid).</summary>
    public static PeriodKind OfStored(string name) =>
        Parse(name) ?? throw new InvalidOperationException($"'{name}' is not a period kind.");
}
