namespace Impact.Ingest.Feedback;

/// <summary>Body of <c>POST /v1/q2q/drift-checks/run</c> (optional): the instant the windows end at (default now) and one company (default all).</summary>
public sealed record DriftRunRequest(DateTimeOffset? AsOf, Guid? CompanyId);
