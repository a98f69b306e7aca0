namespace Impact.Ingest.Privacy;

/// <summary>
/// Body of <c>POST /v1/privacy/exports</c>. The requester is the token's principal; a <c>requestedBy</c> field a
/// client still sends is ignored.
/// </summary>
/// <param name="UserId">The person the export is about.</param>
public sealed record ExportRequestBody(Guid? UserId);
