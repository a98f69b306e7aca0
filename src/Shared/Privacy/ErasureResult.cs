namespace Impact.Shared.Privacy;

/// <summary>Rows each step of an erasure changed.</summary>
/// <param name="Status">The request's status after the run (one of <see cref="PrivacyRequestStatus"/>).</param>
/// <param name="Steps">Step name → rows (or blobs) changed, in the order they ran; empty when there was nothing to do.</param>
public sealed record ErasureResult(string Status, IReadOnlyList<KeyValuePair<string, int>> Steps);
