using Impact.Shared.Http;
using Microsoft.AspNetCore.Diagnostics;

namespace Impact.StreamHost;

/// <summary>The one exception-to-problem mapping (<see cref="ProblemMapping"/>), plugged into ASP.NET Core's exception handler.</summary>
public sealed partial class ProblemExceptionHandler(ILogger<ProblemExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is not ProblemException)
        {
            Log.Unhandled(logger, exception, httpContext.TraceIdentifier);
        }

        if (httpContext.Response.HasStarted)
        {
            return false;
        }

        await ProblemMapping.WriteAsync(httpContext, exception);
        return true;
    }

    private static partial class Log
    {
        [LoggerMessage(30, LogLevel.Error, "Request {TraceId} failed")]
        public static partial void Unhandled(ILogger logger, Exception exception, string traceId);
    }
}
