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

/// <summary>Delivery statuses.</summary>
public static class DeliveryStatus
{
    /// <summary>Created, its orchestration not yet working on it.</summary>
    public const string Pending = "pending";

    /// <summary>An orchestration is sending it.</summary>
    public const string Delivering = "delivering";

    /// <summary>The partner accepted it.</summary>
    public const string Succeeded = "succeeded";

    /// <summary>All attempts failed, or the partner refused it for good.</summary>
    public const string Failed = "failed";

    /// <summary>All statuses.</summary>
    public static readonly IReadOnlyList<string> All = [Pending, Delivering, Succeeded, Failed];
}
