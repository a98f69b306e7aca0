namespace Impact.Shared.Idempotency;

/// <summary>The first answer to a key: what a retry with the same key and request gets again.</summary>
/// <param name="Status">HTTP status.</param>
/// <param name="Headers">The headers the answer set (content type, <c>Location</c>, <c>Retry-After</c>, ...).</param>
/// <param name="Body">The body, byte for byte.</param>
public sealed record StoredResponse(int Status, IReadOnlyDictionary<string, string> Headers, byte[] Body);
