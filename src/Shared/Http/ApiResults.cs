using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Impact.Shared.Http;

/// <summary>
/// JSON and problem+json responses that write themselves to the response: they need no MVC
/// services, so they behave the same under the Functions host and in tests.
/// </summary>
public static class ApiResults
{
    /// <summary>Content type of RFC 9457 responses.</summary>
    public const string ProblemContentType = "application/problem+json";

    /// <summary>A JSON body with the given status.</summary>
    public static IActionResult Json(int status, object body, IReadOnlyDictionary<string, string>? headers = null) =>
        new BodyResult(status, "application/json; charset=utf-8", JsonSerializer.SerializeToUtf8Bytes(body, JsonDefaults.Web), headers);

    /// <summary>A body already serialized, of <paramref name="contentType"/> (a document built once, say).</summary>
    public static IActionResult Bytes(int status, string contentType, byte[] body) => new BodyResult(status, contentType, body, null);

    /// <summary>A 204 with no body.</summary>
    public static IActionResult NoContent() => new BodyResult(StatusCodes.Status204NoContent, null, [], null);

    /// <summary>
    /// A 200 that streams <paramref name="content"/> (a blob download, say) without holding it in memory,
    /// as an attachment named <paramref name="fileName"/>; the stream is disposed afterwards.
    /// </summary>
    public static IActionResult Stream(Stream content, long length, string contentType, string fileName) =>
        new StreamResult(content, length, contentType, fileName);

    /// <summary>An RFC 9457 problem.</summary>
    public static IActionResult Problem(int status, string title, string detail,
        IReadOnlyDictionary<string, string[]>? errors = null, IReadOnlyDictionary<string, string>? headers = null, string? instance = null)
    {
        var body = new Dictionary<string, object?>
        {
            ["type"] = "about:blank",
            ["title"] = title,
            ["status"] = status,
            ["detail"] = detail,
        };
        if (instance is not null)
        {
            body["instance"] = instance;
        }

        if (errors is not null)
        {
            body["errors"] = errors;
        }

        return new BodyResult(status, ProblemContentType, JsonSerializer.SerializeToUtf8Bytes(body, JsonDefaults.Web), headers);
    }

    private sealed class BodyResult(int status, string? contentType, byte[] body, IReadOnlyDictionary<string, string>? headers) : IActionResult
    {
        public async Task ExecuteResultAsync(ActionContext context)
        {
            var response = context.HttpContext.Response;
            response.StatusCode = status;
            if (contentType is null)
            {
                return;
            }

            response.ContentType = contentType;
            foreach (var (name, value) in headers ?? new Dictionary<string, string>())
            {
                response.Headers[name] = value;
            }

            response.ContentLength = body.Length;
            await response.Body.WriteAsync(body, context.HttpContext.RequestAborted);
        }
    }

    private sealed class StreamResult(Stream content, long length, string contentType, string fileName) : IActionResult
    {
        public async Task ExecuteResultAsync(ActionContext context)
        {
            var response = context.HttpContext.Response;
            response.StatusCode = StatusCodes.Status200OK;
            response.ContentType = contentType;
            response.ContentLength = length;
            response.Headers.ContentDisposition = new Microsoft.Net.Http.Headers.ContentDispositionHeaderValue("attachment") { FileNameStar = fileName }.ToString();
            await using (content)
            {
                await content.CopyToAsync(response.Body, context.HttpContext.RequestAborted);
            }
        }
    }
}
