namespace Impact.Ingest.Feedback;

/// <summary>Body of <c>POST /v1/texts</c>; every field is checked by <see cref="FeedbackTexts"/>.</summary>
public sealed record TextRequest(string? ContentId, string? ContentType, string? UserId, string? Text);
