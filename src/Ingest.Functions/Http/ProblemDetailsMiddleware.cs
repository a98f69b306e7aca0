using Impact.Shared.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Middleware;
using Microsoft.Extensions.Logging;

namespace Impact.Ingest.Http;

/// <summary>
/// Turns an exception thrown by an HTTP function into problem+json (see <see cref="ProblemMapping"/>) and
/// logs it at a level that means something: a caller's mistake (bad JSON, a 4xx problem) is a one-line
/// warning without the exception (its message may quote the body), a database that is briefly away is a
/// warning too (the caller gets 503 and retries), and only our own faults are errors with a stack trace.
/// </summary>
public sealed partial class ProblemDetailsMiddleware(ILogger<ProblemDetailsMiddleware> logger) : IFunctionsWorkerMiddleware
{
    /// <inheritdoc />
    public async Task Invoke(FunctionContext context, FunctionExecutionDelegate next)
    {
        try
        {
            await next(context);
        }
        catch (Exception e) when (context.GetHttpContext() is { } http && !http.Response.HasStarted)
        {
            await WriteProblemAsync(http, e, context.FunctionDefinition.Name);
        }
    }

    /// <summary>Logs <paramref name="exception"/> by its kind and writes its problem response.</summary>
    public Task WriteProblemAsync(HttpContext http, Exception exception, string function)
    {
        var inner = exception is AggregateException { InnerException: { } i } ? i : exception;
        switch (ProblemMapping.Classify(inner))
        {
            case ProblemKind.CallerError:
                LogRefused(logger, function, ProblemMapping.StatusOf(inner), inner.GetType().Name, http.TraceIdentifier);
                break;
            case ProblemKind.Transient:
                LogTransient(logger, function, inner.GetType().Name, http.TraceIdentifier);
                break;
            default:
                LogUnhandled(logger, inner, function, http.TraceIdentifier);
                break;
        }

        return ProblemMapping.WriteAsync(http, inner);
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "Function {Function} refused a request with {Status} ({Kind}, trace {TraceId})")]
    private static partial void LogRefused(ILogger logger, string function, int status, string kind, string traceId);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Function {Function} answered 503: the database is unavailable ({Kind}, trace {TraceId})")]
    private static partial void LogTransient(ILogger logger, string function, string kind, string traceId);

    [LoggerMessage(Level = LogLevel.Error, Message = "Function {Function} failed (trace {TraceId})")]
    private static partial void LogUnhandled(ILogger logger, Exception exception, string function, string traceId);
}
