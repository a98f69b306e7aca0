namespace Impact.Shared.Privacy;

/// <summary>A row of <c>impact.privacy_requests</c>.</summary>
/// <param name="Id">The request id, also the orchestration instance id.</param>
/// <param name="UserId">The person; NULL once the person has been erased.</param>
/// <param name="Type">One of <see cref="PrivacyRequestTypes"/>.</param>
/// <param name="Status">One of <see cref="PrivacyRequestStatus"/>.</param>
/// <param name="Progress">0–100.</param>
/// <param name="ResultLocation"><c>container/blob</c> of an export ZIP.</param>
/// <param name="Error">Why it failed.</param>
/// <param name="RequestedBy">The principal (token <c>oid</c>/<c>sub</c>) of the privacy officer who asked.</param>
/// <param name="ApprovedBy">The principal of the second privacy officer who approved an erasure.</param>
/// <param name="RejectedBy">The principal of the privacy officer who rejected an erasure.</param>
/// <param name="RequestedAt">When it was received.</param>
/// <param name="DueAt">Received + 1 month (GDPR Art. 12(3)).</param>
/// <param name="CompletedAt">When it reached a final status.</param>
public sealed record PrivacyRequest(Guid Id, Guid? UserId, string Type, string Status, int Progress, string? ResultLocation,
    string? Error, string RequestedBy, string? ApprovedBy, string? RejectedBy, DateTime RequestedAt, DateTime DueAt, DateTime? CompletedAt);
