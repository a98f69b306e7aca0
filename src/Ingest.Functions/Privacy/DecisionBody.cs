namespace Impact.Ingest.Privacy;

/// <summary>Body of <c>POST /v1/privacy/deletions/{id}/approve</c> and <c>/reject</c>.</summary>
/// <param name="ApprovedBy">The approving administrator (approve).</param>
/// <param name="RejectedBy">The rejecting administrator (reject).</param>
public sealed record DecisionBody(string? ApprovedBy, string? RejectedBy);
