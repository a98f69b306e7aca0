namespace Impact.Shared.Feedback.Pipeline;

/// <summary>The answer to <c>POST /v1/texts</c>.</summary>
/// <param name="Id">The text's id.</param>
/// <param name="ContentId">The caller's content id.</param>
/// <param name="Status"><c>queued</c>, <c>received</c> (the sweeper queues it) or, for the same text sent again, its current status.</param>
/// <param name="Changed">False when the same text was already stored under this content id (nothing was done).</param>
public sealed record TextAccepted(Guid Id, string ContentId, string Status, bool Changed);
