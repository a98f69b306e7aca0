using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace Impact.Ingest.Http;

/// <summary>
/// Puts the <see cref="RouteDeprecation"/> headers on every answer of a function marked <see cref="DeprecatedRouteAttribute"/>,
/// problems (401/403 too) included: set before the function runs, so whatever writes the response keeps them.
/// </summary>
internal sealed class DeprecationMiddleware : IFunctionsWorkerMiddleware
{
    public Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        if (context.GetHttpContext() is { } http
            && FunctionPolicies.ForEntryPoint(context.FunctionDefinition.EntryPoint).Deprecation is { } deprecation)
        {
            RouteDeprecation.Apply(http.Response.Headers, deprecation);
        }

        return next(context);
    }
}
