namespace Impact.Shared.Feedback.Review;

/// <summary>A review item with what the reviewer needs to decide.</summary>
/// <param name="Item">The item.</param>
/// <param name="MaskedText">The text with personal data masked.</param>
/// <param name="ContentType">The text's content type.</param>
/// <param name="Language">Its detected language, once known.</param>
/// <param name="Flags">Every flag of the text.</param>
/// <param name="Notes">The reviewer's notes, if any.</param>
public sealed record ReviewItemDetail(ReviewItem Item, string MaskedText, string ContentType, string? Language, IReadOnlyList<ReviewFlag> Flags, string? Notes);
