namespace Impact.Shared.Feedback.Pipeline;

/// <summary>What processing one text did.</summary>
public enum TextProcessOutcome
{
    /// <summary>No such text (deleted since it was queued).</summary>
    NotFound,
    /// <summary>Nothing to do: already processed, held, rejected, or changed by a newer revision meanwhile.</summary>
    AlreadyDone,
    /// <summary>Screening rated it HIGH: held for review, not classified.</summary>
    Held,
    /// <summary>Outcome scores stored.</summary>
    Classified,
    /// <summary>The classifier could not score it: stored as unscored, with the reason.</summary>
    Unscored,
    /// <summary>The company's rate limit or budget refused the paid call: deferred until it frees, then queued again.</summary>
    Deferred,
}
