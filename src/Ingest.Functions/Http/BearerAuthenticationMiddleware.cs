using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;

namespace Impact.Ingest.Http;

/// <summary>Runs <see cref="ApiAccess"/> before every HTTP function with that function's declared policy.</summary>
internal sealed class BearerAuthenticationMiddleware(ApiAccess access) : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        if (context.GetHttpContext() is { } http)
        {
            await access.AuthorizeAsync(http, FunctionPolicies.ForEntryPoint(context.FunctionDefinition.EntryPoint));
        }

        await next(context);
    }
}
