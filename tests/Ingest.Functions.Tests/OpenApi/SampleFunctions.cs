using Impact.Ingest.Http;
using Impact.Shared.Http;
using Impact.Shared.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Impact.Ingest.Tests.OpenApi;

/// <summary>
/// Functions as another engineer might add them, read by <see cref="FunctionPolicies.Read"/> from this test assembly
/// (the app has none like them): one with nothing but its policy, and a retired alias of a renamed route.
/// </summary>
public sealed class SampleFunctions
{
    /// <summary>The old route's deprecation: 1 December 2026, sunset 1 June 2027.</summary>
    public const string DeprecatedAt = "2026-12-01T00:00:00Z";

    public const string Sunset = "2027-06-01T00:00:00Z";

    public const string Link = "https://impact.example/docs/api#renamed-routes";

    [RequireRole(Roles.CompanyAdmin)]
    [Function(nameof(ListWidgets))]
    public Task<IActionResult> ListWidgets(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "widgets/{id}/parts")] HttpRequest request, string id) =>
        Task.FromResult(ApiResults.Json(StatusCodes.Status200OK, new { id }));

    [RequireRole(Roles.CompanyAdmin)]
    [Returns(StatusCodes.Status200OK, typeof(SampleGadget))]
    [Function(nameof(ListGadgets))]
    public Task<IActionResult> ListGadgets(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "gadgets")] HttpRequest request) =>
        Task.FromResult(ApiResults.Json(StatusCodes.Status200OK, new SampleGadget("g-1")));

    [RequireRole(Roles.CompanyAdmin)]
    [DeprecatedRoute(DeprecatedAt, Sunset, Link, Successor = "gadgets")]
    [Returns(StatusCodes.Status200OK, typeof(SampleGadget))]
    [Function(nameof(ListGadgetsOldRoute))]
    public Task<IActionResult> ListGadgetsOldRoute(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "gizmos")] HttpRequest request) => ListGadgets(request);
}

/// <summary>The answer of the sample gadget functions.</summary>
public sealed record SampleGadget(string Name);
