using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Impact.Shared.Http;

/// <summary>The one mapping from an exception to an HTTP problem response.</summary>
public static class ProblemMapping
{
    /// <summary>Seconds a caller is asked to wait when the database is briefly unavailable.</summary>
    public const int TransientRetryAfterSeconds = 5;

    /// <summary>
    /// A <see cref="ProblemException"/> keeps its status and words; a body that is not JSON is a 400;
    /// a transient database error (connection refused or lost, server shutting down, pool exhausted) is a
    /// 503 with <c>Retry-After</c>; anything else is a 500 that says only that something failed on our side
    /// (never a stack trace).
    /// </summary>
    public static IActionResult ToResult(Exception exception, string? traceId = null) => exception switch
    {
        ProblemException p => ApiResults.Problem((int)p.Status, p.Title, p.Detail, p.Errors, p.Headers),
        _ when IsTransientDatabaseError(exception) => ApiResults.Problem(StatusCodes.Status503ServiceUnavailable, "Temporarily unavailable",
            $"The database is not reachable at the moment; nothing was recorded. Try again in {TransientRetryAfterSeconds} seconds.",
            headers: new Dictionary<string, string> { ["Retry-After"] = TransientRetryAfterSeconds.ToString(System.Globalization.CultureInfo.InvariantCulture) }),
        JsonException j => ApiResults.Problem(StatusCodes.Status400BadRequest, "The body is not valid JSON",
            $"The JSON could not be read: {JsonErrorText(j)}"),
        BadHttpRequestException b => ApiResults.Problem(b.StatusCode, "The request could not be read", b.Message),
        _ => ApiResults.Problem(StatusCodes.Status500InternalServerError, "Unexpected error",
            "The request failed on our side. It has been logged" + (traceId is null ? "." : $" with trace id {traceId}.")),
    };

    /// <summary>Whose fault <paramref name="exception"/> is (how it is logged).</summary>
    public static ProblemKind Classify(Exception exception) => exception switch
    {
        ProblemException { Status: var s } when (int)s < 500 => ProblemKind.CallerError,
        ProblemException => ProblemKind.Transient,
        JsonException or BadHttpRequestException => ProblemKind.CallerError,
        _ when IsTransientDatabaseError(exception) => ProblemKind.Transient,
        _ => ProblemKind.Fault,
    };

    /// <summary>The HTTP status <paramref name="exception"/> is answered with.</summary>
    public static int StatusOf(Exception exception) => exception switch
    {
        ProblemException p => (int)p.Status,
        JsonException => StatusCodes.Status400BadRequest,
        BadHttpRequestException b => b.StatusCode,
        _ when IsTransientDatabaseError(exception) => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <summary>True for an Npgsql error that goes away by itself (Npgsql's own <c>IsTransient</c>), anywhere in the chain.</summary>
    public static bool IsTransientDatabaseError(Exception exception)
    {
        for (var e = exception; e is not null; e = e.InnerException)
        {
            if (e is Npgsql.NpgsqlException { IsTransient: true })
            {
                return true;
            }
        }

        return false;
    }

    /// <summary>Writes the problem for <paramref name="exception"/> to the response.</summary>
    public static Task WriteAsync(HttpContext context, Exception exception) =>
        ToResult(exception, context.TraceIdentifier).ExecuteResultAsync(new ActionContext { HttpContext = context });

    // System.Text.Json messages name a path and position, not the content: safe to return.
    private static string JsonErrorText(JsonException e) =>
        e.Path is null ? "malformed JSON" : $"malformed JSON at {e.Path} (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1})";
}
