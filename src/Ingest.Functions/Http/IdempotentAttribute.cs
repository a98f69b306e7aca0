namespace Impact.Ingest.Http;

/// <summary>
/// A state-changing admin POST that honours <c>Idempotency-Key</c> (SPEC §L): a retry with the same key and
/// request gets the first answer again for 24 h instead of running twice; the same key with another request is a
/// 422. Applied by <see cref="IdempotencyMiddleware"/> through <see cref="IdempotentRequests"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class IdempotentAttribute : Attribute;
