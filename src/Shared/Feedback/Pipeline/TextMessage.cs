namespace Impact.Shared.Feedback.Pipeline;

/// <summary>A text-screening queue message: the ids of texts to process (one from a webhook or the API, a batch from the sweeper).</summary>
public sealed record TextMessage(IReadOnlyList<Guid> TextIds);
