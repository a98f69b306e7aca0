using System.Text.Json.Serialization;

namespace Impact.Shared.ImpactIn;

/// <summary>What became of one delivery in a replay; the API writes <c>queued</c>, <c>not_found</c> or <c>not_failed</c>.</summary>
public enum ReplayOutcome
{
    /// <summary>It was failed and is pending again under a new orchestration instance.</summary>
    [JsonStringEnumMemberName("queued")]
    Queued,

    /// <summary>There is no delivery with that id.</summary>
    [JsonStringEnumMemberName("not_found")]
    NotFound,

    /// <summary>It exists but is not failed: only a failed delivery is replayed.</summary>
    [JsonStringEnumMemberName("not_failed")]
    NotFailed,
}
