using System.Net;
using Impact.Shared.Http;
using Impact.Shared.Security;
using Microsoft.AspNetCore.Http;

namespace Impact.Ingest.Http;

/// <summary>
/// The one place a function's policy is enforced: the bearer token is validated into a
/// <see cref="Caller"/>, its roles are checked against the policy, and the caller is kept on the
/// request for the function. 401 without a valid token, 403 with a valid token that lacks the role
/// (or the company a company-scoped role needs).
/// </summary>
public sealed class ApiAccess(BearerTokens tokens)
{
    /// <summary>Applies <paramref name="policy"/> to the request; throws a 401/403 problem when it does not pass.</summary>
    public async Task AuthorizeAsync(HttpContext http, FunctionPolicy policy)
    {
        if (policy.IsPartnerWebhook || policy.IsPublic)
        {
            return;
        }

        var caller = await tokens.AuthenticateAsync(http.Request.Headers.Authorization.ToString());
        var granted = policy.Roles.Where(caller.HasRole).ToList();
        if (granted.Count == 0)
        {
            throw new ProblemException(HttpStatusCode.Forbidden, "Not allowed",
                $"This endpoint needs one of the roles {string.Join(", ", policy.Roles)}; the token carries "
                + (caller.Roles.Count == 0 ? "none." : string.Join(", ", caller.Roles) + "."));
        }

        if (caller.CompanyId is null && !granted.Contains(Roles.Operator))
        {
            throw new ProblemException(HttpStatusCode.Forbidden, "No company in the token",
                "This endpoint acts for one company, and the token names none: it needs the company claim.");
        }

        http.SetCaller(caller);
    }
}
