namespace Impact.Shared.Feedback.Review;

/// <summary>One item of the safety review queue.</summary>
/// <param name="Id">The item's id.</param>
/// <param name="TextId">The text under review.</param>
/// <param name="Risk"><c>medium</c> (already classified) or <c>high</c> (held until approved).</param>
/// <param name="Status">One of <see cref="ReviewStatus.All"/>.</param>
/// <param name="Categories">The flagged categories, highest score first.</param>
/// <param name="TextStatus">The text's pipeline status (e.g. <c>held</c>, <c>classified</c>).</param>
/// <param name="Reviewer">The principal who decided last, if any.</param>
/// <param name="CreatedAt">When screening queued it.</param>
/// <param name="DecidedAt">When it was last decided.</param>
public sealed record ReviewItem(Guid Id, Guid TextId, string Risk, string Status, IReadOnlyList<string> Categories, string TextStatus,
    string? Reviewer, DateTimeOffset CreatedAt, DateTimeOffset? DecidedAt);
