namespace Impact.Shared.Security;

/// <summary>
/// Who is calling, as the bearer token says: resolved once per request by the worker's
/// authentication middleware and read by the function (never taken from a header or the body).
/// </summary>
/// <param name="Principal">The token's <c>oid</c> (Entra object id) or else its <c>sub</c>; written to every audit row.</param>
/// <param name="Name">The token's <c>name</c> (or <c>preferred_username</c>), for people reading the audit log; may be empty.</param>
/// <param name="CompanyId">The company the caller acts for (the company claim); null for a platform operator.</param>
/// <param name="Roles">The app roles the token carries.</param>
public sealed record Caller(string Principal, string Name, Guid? CompanyId, IReadOnlyList<string> Roles)
{
    /// <summary>True when the token carries <paramref name="role"/>.</summary>
    public bool HasRole(string role) => Roles.Contains(role, StringComparer.Ordinal);

    /// <summary>True for a platform operator, who may act across companies.</summary>
    public bool IsOperator => HasRole(Security.Roles.Operator);

    /// <summary>
    /// The company whose data this call may touch: the caller's own; an operator, who acts across
    /// companies, may name one (or none, meaning all).
    /// </summary>
    public Guid? ScopeCompany(Guid? requested = null) => IsOperator ? requested : CompanyId;
}
