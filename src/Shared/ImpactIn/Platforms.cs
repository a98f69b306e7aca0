namespace Impact.Shared.ImpactIn;

/// <summary>The partner platforms Impact-In delivers to.</summary>
public static class Platforms
{
    /// <summary>Benevity.</summary>
    public const string Benevity = "benevity";

    /// <summary>Goodera.</summary>
    public const string Goodera = "goodera";

    /// <summary>Workday.</summary>
    public const string Workday = "workday";

    /// <summary>All platforms, as stored and as accepted by the API.</summary>
    public static readonly IReadOnlyList<string> All = [Benevity, Goodera, Workday];

    /// <summary>The platform's canonical name, or null when it is not one of ours.</summary>
    public static string? Normalize(string? value) =>
        value is null ? null : All.FirstOrDefault(p => string.Equals(p, value.Trim(), StringComparison.OrdinalIgnoreCase));
}
