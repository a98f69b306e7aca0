namespace Impact.Shared.Feedback.Review;

/// <summary>One page of the review queue.</summary>
/// <param name="Items">Oldest first.</param>
/// <param name="Page">1-based page.</param>
/// <param name="Limit">Page size.</param>
/// <param name="Total">Matching items over all pages.</param>
public sealed record ReviewPage(IReadOnlyList<ReviewItem> Items, int Page, int Limit, long Total);
