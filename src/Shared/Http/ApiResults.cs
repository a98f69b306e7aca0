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

    /// <summary>Any bytes with a content type (CSV, ZIP, ...).</summary>
    public static IActionResult Bytes(int status, string contentType, byte[] body, IReadOnlyDictionary<string, string>? headers = null) =>
        new BodyResult(status, contentType, body, headers);

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

    private sealed class BodyResult(int status, string contentType, byte[] body, IReadOnlyDictionary<string, string>? headers) : IActionResult
    {
        public async Task ExecuteResultAsync(ActionContext context)
        {
            var response = context.HttpContext.Response;
            response.StatusCode = status;
            response.ContentType = contentType;
            foreach (var (name, value) in headers ?? new Dictionary<string, string>())
            {
                response.Headers[name] = value;
            }

            response.ContentLength = body.Length;
            await response.Body.WriteAsync(body, context.HttpContext.RequestAborted);
        }
    }
}
