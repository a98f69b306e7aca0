using Impact.Ingest.Http;
using Impact.Shared.Feedback.Budgets;
using Impact.Shared.Http;
using Impact.Shared.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Impact.Ingest.Feedback;

/// <summary>
/// <c>/v1/companies/{id}/ai-budget</c> (SPEC §I): operators set a company's monthly AI budget; a company administrator reads
/// their own company's budget and this month's spend (another company's is the same 404 as an unknown one).
/// </summary>
public sealed class AiBudgetApi(Q2QBudgets budgets)
{
    private const decimal MaxBudgetUsd = 1_000_000m;

    [RequireRole(Roles.CompanyAdmin, Roles.Operator)]
    [Returns(StatusCodes.Status200OK, typeof(AiBudgetView))]
    [Function(nameof(GetAiBudget))]
    public async Task<IActionResult> GetAiBudget(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "companies/{id}/ai-budget")] HttpRequest req, string id, CancellationToken ct) =>
        ApiResults.Json(StatusCodes.Status200OK, await budgets.GetAsync(RouteIds.Guid(id, "company"), req.Caller(), ct));

    [RequireRole(Roles.Operator)]
    [Body(typeof(AiBudgetRequest))]
    [Returns(StatusCodes.Status200OK, typeof(AiBudgetView), Description = "The budget as set, with this month's spend.")]
    [Function(nameof(SetAiBudget))]
    public async Task<IActionResult> SetAiBudget(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "companies/{id}/ai-budget")] HttpRequest req, string id, CancellationToken ct)
    {
        var companyId = RouteIds.Guid(id, "company");
        var body = await RequestBody.ReadJsonAsync<AiBudgetRequest>(req, ct, 4096);
        if (body.MonthlyBudgetUsd is not { } usd || usd < 0 || usd > MaxBudgetUsd || decimal.Round(usd, 6) != usd)
        {
            throw ProblemException.Validation("Fix this field: monthlyBudgetUsd must be a number of USD from 0 to 1,000,000, with at most 6 decimals.",
                new Dictionary<string, string[]> { ["monthlyBudgetUsd"] = ["must be a number from 0 to 1000000 with at most 6 decimals"] });
        }

        return ApiResults.Json(StatusCodes.Status200OK, await budgets.SetAsync(companyId, usd, req.Caller(), ct));
    }
}
