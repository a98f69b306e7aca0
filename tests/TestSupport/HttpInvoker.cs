using System.Text;
using System.Text.Json;
using Impact.Shared.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;

namespace Impact.TestSupport;

/// <summary>What a caller of an HTTP function would see.</summary>
public sealed record TestResponse(int Status, string? ContentType, IHeaderDictionary Headers, byte[] BodyBytes)
{
    public string Body => Encoding.UTF8.GetString(BodyBytes);

    public JsonElement Json => JsonDocument.Parse(BodyBytes).RootElement;
}

/// <summary>
/// Builds real <see cref="DefaultHttpContext"/> requests and runs an HTTP function method the way
/// the worker does: an exception goes through the same <see cref="ProblemMapping"/> as the
/// app's middleware, and the result is executed onto a real response stream.
/// </summary>
public static class HttpInvoker
{
    public static HttpRequest Request(string method, string path, byte[]? body = null, string? contentType = "application/json",
        IDictionary<string, string>? headers = null, string? query = null)
    {
        var context = new DefaultHttpContext();
        context.Request.Method = method;
        context.Request.Scheme = "http";
        context.Request.Host = new HostString("localhost", 7071);
        context.Request.Path = path;
        if (query is not null)
        {
            context.Request.QueryString = new QueryString(query.StartsWith('?') ? query : "?" + query);
        }

        if (body is not null)
        {
            context.Request.Body = new MemoryStream(body);
            context.Request.ContentLength = body.Length;
        }

        if (contentType is not null)
        {
            context.Request.ContentType = contentType;
        }

        foreach (var (k, v) in headers ?? new Dictionary<string, string>())
        {
            context.Request.Headers[k] = v;
        }

        context.Response.Body = new MemoryStream();
        return context.Request;
    }

    public static HttpRequest JsonRequest(string method, string path, object body, IDictionary<string, string>? headers = null) =>
        Request(method, path, JsonSerializer.SerializeToUtf8Bytes(body, Impact.Shared.JsonDefaults.Web), "application/json", headers);

    public static async Task<TestResponse> InvokeAsync(HttpRequest request, Func<HttpRequest, Task<IActionResult>> function)
    {
        IActionResult result;
        try
        {
            result = await function(request);
        }
        catch (Exception e)
        {
            result = ProblemMapping.ToResult(e, request.HttpContext.TraceIdentifier);
        }

        var context = request.HttpContext;
        context.Response.Body = new MemoryStream();
        await result.ExecuteResultAsync(new ActionContext { HttpContext = context });
        var bytes = ((MemoryStream)context.Response.Body).ToArray();
        return new TestResponse(context.Response.StatusCode, context.Response.ContentType, context.Response.Headers, bytes);
    }
}
