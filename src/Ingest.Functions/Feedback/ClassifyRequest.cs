namespace Impact.Ingest.Feedback;

/// <summary>Body of <c>POST /v1/q2q/classify</c>: one text (1–10,000 characters) to classify now for the caller's company.</summary>
public sealed record ClassifyRequest(string? Text);
