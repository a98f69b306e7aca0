namespace Impact.Ingest.Feedback;

/// <summary>Body of <c>POST /v1/safety/queue/{id}/decision</c>.</summary>
public sealed record DecisionRequest(string? Decision, string? Notes);
