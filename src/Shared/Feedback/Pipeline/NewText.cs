namespace Impact.Shared.Feedback.Pipeline;

/// <summary>A validated <c>POST /v1/texts</c> body.</summary>
/// <param name="ContentId">The caller's id for the content (1–200 characters), unique per company.</param>
/// <param name="ContentType">One of <see cref="TextSources.ContentTypes"/>.</param>
/// <param name="UserId">The person who wrote it, a user of the caller's company; optional.</param>
/// <param name="Text">1–10,000 characters.</param>
public sealed record NewText(string ContentId, string ContentType, Guid? UserId, string Text);
