using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Impact.Shared.Http;

/// <summary>The one mapping from an exception to an HTTP problem response.</summary>
public static class ProblemMapping
{
    /// <summary>
    /// A <see cref="ProblemException"/> keeps its status and words; a body that is not JSON is a 400;
    /// anything else is a 500 that says only that something failed on our side (never a stack trace).
    /// </summary>
    public static IActionResult ToResult(Exception exception, string? traceId = null) => exception switch
    {
        ProblemException p => ApiResults.Problem((int)p.Status, p.Title, p.Detail, p.Errors, p.Headers),
        JsonException j => ApiResults.Problem(StatusCodes.Status400BadRequest, "The body is not valid JSON",
            $"The JSON could not be read: {JsonErrorText(j)}"),
        BadHttpRequestException b => ApiResults.Problem(b.StatusCode, "The request could not be read", b.Message),
        _ => ApiResults.Problem(StatusCodes.Status500InternalServerError, "Unexpected error",
            "The request failed on our side. It has been logged" + (traceId is null ? "." : $" with trace id {traceId}.")),
    };

    /// <summary>Writes the problem for <paramref name="exception"/> to the response.</summary>
    public static Task WriteAsync(HttpContext context, Exception exception) =>
        ToResult(exception, context.TraceIdentifier).ExecuteResultAsync(new ActionContext { HttpContext = context });

    // System.Text.Json messages name a path and position, not the content: safe to return.
    private static string JsonErrorText(JsonException e) =>
        e.Path is null ? "malformed JSON" : $"malformed JSON at {e.Path} (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1})";
}
