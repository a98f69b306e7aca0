namespace Impact.Ingest.Privacy;

/// <summary>Body of <c>POST /v1/privacy/deletions</c>.</summary>
/// <param name="UserId">The person to erase.</param>
/// <param name="RequestedBy">The administrator asking (required: another one has to approve).</param>
public sealed record DeletionRequestBody(Guid? UserId, string? RequestedBy);
