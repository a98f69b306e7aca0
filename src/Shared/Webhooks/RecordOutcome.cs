namespace Impact.Shared.Webhooks;

/// <summary>How storing a delivery went.</summary>
public enum RecordOutcome
{
    /// <summary>First time we see this delivery id: stored as <c>received</c>.</summary>
    Stored,
    /// <summary>Seen before with the same payload hash.</summary>
    Duplicate,
    /// <summary>Seen before with a different payload.</summary>
    Conflict,
}
