using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace Impact.Ingest.Http;

/// <summary>
/// Runs the functions marked <see cref="IdempotentAttribute"/> through <see cref="IdempotentRequests"/>; after
/// <see cref="BearerAuthenticationMiddleware"/>, because a key belongs to the caller it resolved.
/// </summary>
internal sealed class IdempotencyMiddleware(IdempotentRequests requests) : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        if (context.GetHttpContext() is not { } http
            || FunctionPolicies.ForEntryPoint(context.FunctionDefinition.EntryPoint) is not { Idempotent: true } policy)
        {
            await next(context);
            return;
        }

        var result = await requests.RunAsync(http, policy, async () =>
        {
            await next(context);
            return context.GetInvocationResult().Value as IActionResult
                ?? throw new InvalidOperationException($"{policy.Name} returned no IActionResult; an idempotent function must.");
        });
        context.GetInvocationResult().Value = result;
    }
}
