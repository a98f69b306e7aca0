using Impact.Shared.Security;
using Impact.TestSupport.Security;

namespace Impact.Ingest.Tests.Privacy;

/// <summary>A privacy officer of a company, as a token of the local test issuer says.</summary>
/// <param name="Principal">The token's <c>sub</c>: what requests, decisions and audit rows record.</param>
/// <param name="CompanyId">The token's company.</param>
public sealed record PrivacyOfficer(string Principal, Guid CompanyId)
{
    /// <summary>The display name the token carries (never what the code compares).</summary>
    public string Name => Principal + " (DPO)";

    /// <summary>A valid token with <see cref="Roles.PrivacyOfficer"/> and the company.</summary>
    public string Token => TestTokens.LocalToken(new TokenClaims(Principal, CompanyId, [Roles.PrivacyOfficer], Name));

    /// <summary>The caller the app resolves from <see cref="Token"/>, for steps a test takes behind the API's back.</summary>
    public Caller Caller => new(Principal, Name, CompanyId, [Roles.PrivacyOfficer]);
}
