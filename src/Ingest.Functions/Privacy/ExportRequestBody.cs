namespace Impact.Ingest.Privacy;

/// <summary>Body of <c>POST /v1/privacy/exports</c>.</summary>
/// <param name="UserId">The person the export is about.</param>
/// <param name="RequestedBy">The administrator asking; <c>api</c> when left out.</param>
public sealed record ExportRequestBody(Guid? UserId, string? RequestedBy);
