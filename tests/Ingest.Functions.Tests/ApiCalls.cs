using Impact.Ingest.Http;
using Impact.TestSupport;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.DependencyInjection;

namespace Impact.Ingest.Tests;

/// <summary>
/// Calls an HTTP function the way the worker does: first the access policy the function declares
/// (found by the request's method and path, applied by the app's own <see cref="ApiAccess"/>, with real
/// token validation), then its <c>Idempotency-Key</c> handling (<see cref="IdempotentRequests"/>), then the function; a problem thrown by either becomes problem+json.
/// </summary>
public static class ApiCalls
{
    /// <summary>Runs <paramref name="function"/> behind its policy with <paramref name="app"/>'s services.</summary>
    public static Task<TestResponse> CallAsync(this IServiceProvider app, HttpRequest request, Func<HttpRequest, Task<IActionResult>> function)
    {
        var path = request.Path.Value ?? "";
        var policy = FunctionPolicies.Match(request.Method, path.StartsWith("/v1/", StringComparison.Ordinal) ? path[4..] : path);
        var access = app.GetRequiredService<ApiAccess>();
        var idempotency = app.GetRequiredService<IdempotentRequests>();
        return HttpInvoker.InvokeAsync(request, async r =>
        {
            await access.AuthorizeAsync(r.HttpContext, policy);
            return await idempotency.RunAsync(r.HttpContext, policy, () => function(r));
        });
    }
}
