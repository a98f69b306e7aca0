namespace Impact.Shared.Privacy;

/// <summary>
/// The statuses of a privacy request (the CHECK constraint of <c>impact.privacy_requests.status</c>). An export
/// goes pending → processing → completed; an erasure awaiting_approval → processing → completed, or rejected or
/// expired; either may end failed.
/// </summary>
public static class PrivacyRequestStatus
{
    /// <summary>An export waiting for its orchestration.</summary>
    public const string Pending = "pending";

    /// <summary>An erasure waiting for a second administrator.</summary>
    public const string AwaitingApproval = "awaiting_approval";

    /// <summary>Being exported, or approved and being erased.</summary>
    public const string Processing = "processing";

    /// <summary>Done.</summary>
    public const string Completed = "completed";

    /// <summary>Gave up; <see cref="PrivacyRequest.Error"/> says why.</summary>
    public const string Failed = "failed";

    /// <summary>An erasure an administrator rejected.</summary>
    public const string Rejected = "rejected";

    /// <summary>An erasure nobody decided on in time.</summary>
    public const string Expired = "expired";

    /// <summary>
    /// Never stored: what <see cref="PrivacyRequestStore.ExpireAsync"/> and <see cref="PrivacyErasure.RunAsync"/>
    /// answer for a request that does not exist.
    /// </summary>
    public const string Missing = "missing";
}
