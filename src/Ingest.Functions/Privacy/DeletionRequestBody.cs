namespace Impact.Ingest.Privacy;

/// <summary>
/// Body of <c>POST /v1/privacy/deletions</c>. The requester is the token's principal; a <c>requestedBy</c> field a
/// client still sends is ignored.
/// </summary>
/// <param name="UserId">The person to erase.</param>
public sealed record DeletionRequestBody(Guid? UserId);
