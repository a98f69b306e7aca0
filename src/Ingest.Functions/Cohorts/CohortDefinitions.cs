using Impact.Ingest.Http;
using Impact.Shared.Cohorts;
using Impact.Shared.Http;
using Impact.Shared.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Impact.Ingest.Cohorts;

/// <summary>
/// CRUD on <c>/v1/cohorts</c> for the caller's company (an operator: any company). Another company's cohort is a 404, as
/// an unknown one is. Members and metrics of a new or changed cohort follow at the next refresh. Changes are audited.
/// </summary>
public sealed class CohortDefinitions(CohortStore cohorts)
{
    private const string What = "cohort";

    [RequireRole(Roles.CompanyAdmin, Roles.Operator)]
    [Query("companyId", typeof(Guid), Description = "Operators: only this company's.")]
    [Returns(StatusCodes.Status200OK, typeof(CohortList))]
    [Function(nameof(ListCohorts))]
    public async Task<IActionResult> ListCohorts(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "cohorts")] HttpRequest req, CancellationToken ct)
    {
        var q = new QueryValues(req);
        var companyId = q.Guid("companyId");
        q.ThrowIfInvalid();
        return ApiResults.Json(StatusCodes.Status200OK, new CohortList(await cohorts.ListAsync(req.Caller(), companyId, ct)));
    }

    [RequireRole(Roles.CompanyAdmin, Roles.Operator)]
    [Body(typeof(CreateCohortRequest))]
    [Returns(StatusCodes.Status201Created, typeof(CohortView), Description = "Created; `Location` is the cohort's URL.")]
    [Problems(StatusCodes.Status404NotFound)]
    [Idempotent]
    [Function(nameof(CreateCohort))]
    public async Task<IActionResult> CreateCohort(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "cohorts")] HttpRequest req, CancellationToken ct)
    {
        var caller = req.Caller();
        var body = await RequestBody.ReadJsonAsync<CreateCohortRequest>(req, ct);
        var errors = new Dictionary<string, string[]>();
        var companyId = caller.IsOperator ? body.CompanyId : body.CompanyId ?? caller.CompanyId;
        if (companyId is null || companyId == Guid.Empty)
        {
            errors["companyId"] = ["Give the id of the company the cohort belongs to."];
        }

        var cohort = Validate(body.Name, body.Filters ?? new CohortFilters(), errors);
        var created = await cohorts.CreateAsync(companyId!.Value, cohort, caller, ct);
        return ApiResults.Json(StatusCodes.Status201Created, created, new Dictionary<string, string> { ["Location"] = $"/v1/cohorts/{created.Id}" });
    }

    [RequireRole(Roles.CompanyAdmin, Roles.Operator)]
    [Returns(StatusCodes.Status200OK, typeof(CohortView))]
    [Function(nameof(GetCohort))]
    public async Task<IActionResult> GetCohort(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "cohorts/{id}")] HttpRequest req, string id, CancellationToken ct) =>
        ApiResults.Json(StatusCodes.Status200OK, await cohorts.GetAsync(RouteIds.Guid(id, What), req.Caller(), ct));

    [RequireRole(Roles.CompanyAdmin, Roles.Operator)]
    [Body(typeof(UpdateCohortRequest))]
    [Returns(StatusCodes.Status200OK, typeof(CohortView))]
    [Function(nameof(UpdateCohort))]
    public async Task<IActionResult> UpdateCohort(
        [HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = "cohorts/{id}")] HttpRequest req, string id, CancellationToken ct)
    {
        var cohortId = RouteIds.Guid(id, What);
        var body = await RequestBody.ReadJsonAsync<UpdateCohortRequest>(req, ct);
        var updated = await cohorts.UpdateAsync(cohortId, req.Caller(),
            current => Validate(body.Name ?? current.Name, body.Filters ?? current.Filters, []), ct);
        return ApiResults.Json(StatusCodes.Status200OK, updated);
    }

    [RequireRole(Roles.CompanyAdmin, Roles.Operator)]
    [Returns(StatusCodes.Status204NoContent, Description = "Deleted, with its members and metrics.")]
    [Function(nameof(DeleteCohort))]
    public async Task<IActionResult> DeleteCohort(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "cohorts/{id}")] HttpRequest req, string id, CancellationToken ct)
    {
        await cohorts.DeleteAsync(RouteIds.Guid(id, What), req.Caller(), ct);
        return ApiResults.NoContent();
    }

    private static NewCohort Validate(string? name, CohortFilters filters, Dictionary<string, string[]> errors)
    {
        var trimmed = name?.Trim();
        if (string.IsNullOrEmpty(trimmed))
        {
            errors["name"] = ["Give the cohort a name."];
        }
        else if (trimmed.Length > CohortStore.MaxNameLength)
        {
            errors["name"] = [$"A name may be at most {CohortStore.MaxNameLength} characters long."];
        }

        var (normalized, from, to) = filters.Validate("filters", errors);
        if (errors.Count > 0)
        {
            throw ProblemException.Validation("The cohort is not valid: " + string.Join(" ", errors.Values.SelectMany(v => v)), errors);
        }

        return new NewCohort(trimmed!, normalized, from, to);
    }
}
