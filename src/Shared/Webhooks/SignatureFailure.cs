namespace Impact.Shared.Webhooks;

/// <summary>Why a signature check failed.</summary>
public enum SignatureFailure
{
    /// <summary>It did not fail.</summary>
    None,
    /// <summary>No signature header of either scheme.</summary>
    Missing,
    /// <summary>The signature is there but the delivery id is not.</summary>
    MissingDeliveryId,
    /// <summary>A header could not be parsed.</summary>
    Malformed,
    /// <summary>The timestamp is outside the tolerance.</summary>
    StaleTimestamp,
    /// <summary>No active secret produced this signature.</summary>
    Mismatch,
}
