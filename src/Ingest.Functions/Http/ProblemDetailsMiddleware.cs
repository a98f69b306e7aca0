using Impact.Shared.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Logging;

namespace Impact.Ingest.Http;

/// <summary>Turns an exception thrown by an HTTP function into problem+json (see <see cref="ProblemMapping"/>).</summary>
internal sealed partial class ProblemDetailsMiddleware(ILogger<ProblemDetailsMiddleware> logger) : IFunctionsWorkerMiddleware
{
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        try
        {
            await next(context);
        }
        catch (Exception e) when (context.GetHttpContext() is { } http && !http.Response.HasStarted)
        {
            var inner = e is AggregateException { InnerException: { } i } ? i : e;
            if (inner is not ProblemException)
            {
                LogUnhandled(logger, inner, context.FunctionDefinition.Name, http.TraceIdentifier);
            }

            await ProblemMapping.WriteAsync(http, inner);
        }
    }

    [LoggerMessage(Level = LogLevel.Error, Message = "Function {Function} failed (trace {TraceId})")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string function, string traceId);
}
