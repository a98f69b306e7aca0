namespace Impact.Shared.Privacy;

/// <summary>A privacy request as the API shows it (built by <see cref="PrivacyRequestViews"/>).</summary>
/// <param name="Id">The request id.</param>
/// <param name="UserId">The person; null once erased.</param>
/// <param name="Type">One of <see cref="PrivacyRequestTypes"/>.</param>
/// <param name="Status">One of <see cref="PrivacyRequestStatus"/>.</param>
/// <param name="Progress">0–100.</param>
/// <param name="RequestedBy">The principal (token <c>oid</c>/<c>sub</c>) of the privacy officer who asked.</param>
/// <param name="ApprovedBy">The principal of the second privacy officer who approved an erasure.</param>
/// <param name="RejectedBy">The principal of the privacy officer who rejected an erasure.</param>
/// <param name="RequestedAt">When it was received.</param>
/// <param name="DueAt">Received + 1 month.</param>
/// <param name="CompletedAt">When it reached a final status.</param>
/// <param name="Error">Why it failed.</param>
/// <param name="StatusUrl">Where to read it again.</param>
/// <param name="DownloadUrl">A fresh read-only link to a completed export's ZIP.</param>
/// <param name="DownloadExpiresAt">When <paramref name="DownloadUrl"/> stops working.</param>
public sealed record PrivacyRequestView(Guid Id, Guid? UserId, string Type, string Status, int Progress, string RequestedBy,
    string? ApprovedBy, string? RejectedBy, DateTime RequestedAt, DateTime DueAt, DateTime? CompletedAt, string? Error,
    string StatusUrl, string? DownloadUrl, DateTimeOffset? DownloadExpiresAt);
