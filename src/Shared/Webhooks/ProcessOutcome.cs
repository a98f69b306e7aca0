namespace Impact.Shared.Webhooks;

/// <summary>What processing a queued delivery did.</summary>
public enum ProcessOutcome
{
    /// <summary>The change and its event were committed.</summary>
    Processed,
    /// <summary>It was processed (or discarded) before: nothing was done again.</summary>
    AlreadyDone,
    /// <summary>No such delivery (purged, or a message from another environment).</summary>
    NotFound,
}
