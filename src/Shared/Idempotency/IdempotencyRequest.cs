namespace Impact.Shared.Idempotency;

/// <summary>A request that carries an <c>Idempotency-Key</c>, as far as the key's row records it.</summary>
/// <param name="CompanyId">The caller's company (null for a platform operator): with <paramref name="Principal"/>, the key's scope.</param>
/// <param name="Principal">The caller's principal.</param>
/// <param name="Key">The key as sent.</param>
/// <param name="Method">HTTP method, upper case.</param>
/// <param name="Route">The function's route template.</param>
/// <param name="Target">Path and query string as sent.</param>
public sealed record IdempotencyRequest(Guid? CompanyId, string Principal, string Key, string Method, string Route, string Target);
