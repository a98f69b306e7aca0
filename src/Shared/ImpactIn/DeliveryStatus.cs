namespace Impact.Shared.ImpactIn;

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
