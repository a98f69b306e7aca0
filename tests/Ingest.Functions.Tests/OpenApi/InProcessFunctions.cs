using System.Net.Http.Headers;
using System.Reflection;
using Impact.Ingest.Http;
using Impact.TestSupport;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Impact.Ingest.Tests.OpenApi;

/// <summary>One request and its answer as a client saw them, for checking against the document.</summary>
public sealed record Exchange(string Method, string Path, string Function, int Status, string? ContentType, byte[] Body);

/// <summary>
/// An <see cref="HttpMessageHandler"/> that answers an <see cref="HttpClient"/>'s requests (the Kiota client's) with the
/// app's function methods, in process, as the Functions host would: the route and method pick the function (the same
/// <see cref="FunctionPolicies"/> the worker uses), route values, the durable client and the cancellation token are bound
/// to its parameters, the deprecation headers and the declared access policy are applied (as the worker middleware does),
/// and the function's result or problem is executed onto a real response. Every exchange is recorded.
/// </summary>
public sealed class InProcessFunctions(IServiceProvider services, DurableTaskClient durable) : HttpMessageHandler
{
    private readonly List<Exchange> exchanges = [];

    /// <summary>Everything answered so far.</summary>
    public IReadOnlyList<Exchange> Exchanges => exchanges;

    protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage message, CancellationToken cancellationToken)
    {
        var uri = message.RequestUri!;
        var method = message.Method.Method.ToUpperInvariant();
        var route = uri.AbsolutePath.StartsWith("/v1/", StringComparison.Ordinal) ? uri.AbsolutePath[4..] : uri.AbsolutePath;
        var policy = FunctionPolicies.All.Where(p => p.Matches(method, route))
            .OrderByDescending(p => p.Route.Split('/').Count(s => !s.StartsWith('{'))).FirstOrDefault();
        if (policy is null)
        {
            // What the host answers for a route no function has: a bare 404.
            return new HttpResponseMessage(System.Net.HttpStatusCode.NotFound) { RequestMessage = message };
        }

        var body = message.Content is null ? null : await message.Content.ReadAsByteArrayAsync(cancellationToken);
        var headers = message.Headers.Concat(message.Content?.Headers.Where(h => h.Key != "Content-Type") ?? [])
            .ToDictionary(h => h.Key, h => string.Join(", ", h.Value), StringComparer.OrdinalIgnoreCase);
        var request = HttpInvoker.Request(method, Uri.UnescapeDataString(uri.AbsolutePath), body, message.Content?.Headers.ContentType?.ToString(), headers,
            uri.Query.Length > 1 ? uri.Query : null);
        var access = services.GetRequiredService<ApiAccess>();
        var response = await HttpInvoker.InvokeAsync(request, async r =>
        {
            if (policy.Deprecation is { } deprecation)
            {
                RouteDeprecation.Apply(r.HttpContext.Response.Headers, deprecation);
            }

            await access.AuthorizeAsync(r.HttpContext, policy);
            return await InvokeAsync(policy, r, route, cancellationToken);
        });
        exchanges.Add(new Exchange(method, uri.AbsolutePath, policy.Name, response.Status, response.ContentType, response.BodyBytes));

        var answer = new HttpResponseMessage((System.Net.HttpStatusCode)response.Status) { RequestMessage = message, Content = new ByteArrayContent(response.BodyBytes) };
        foreach (var (name, value) in response.Headers)
        {
            if (!answer.Headers.TryAddWithoutValidation(name, value.ToArray()))
            {
                answer.Content.Headers.TryAddWithoutValidation(name, value.ToArray());
            }
        }

        if (response.ContentType is not null)
        {
            answer.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(response.ContentType);
        }

        return answer;
    }

    private async Task<IActionResult> InvokeAsync(FunctionPolicy policy, HttpRequest request, string path, CancellationToken ct)
    {
        var method = policy.Method!;
        var values = policy.Route.Split('/').Zip(path.Trim('/').Split('/'))
            .Where(p => p.First.StartsWith('{'))
            .ToDictionary(p => p.First.Trim('{', '}').Split(':')[0], p => Uri.UnescapeDataString(p.Second), StringComparer.OrdinalIgnoreCase);
        var target = method.IsStatic ? null : ActivatorUtilities.CreateInstance(services, method.DeclaringType!);
        var args = method.GetParameters().Select(object? (p) => p.ParameterType switch
        {
            var t when t == typeof(HttpRequest) => (object)request,
            var t when t == typeof(DurableTaskClient) => durable,
            var t when t == typeof(CancellationToken) => ct,
            var t when t == typeof(string) && values.TryGetValue(p.Name!, out var value) => value,
            _ => throw new InvalidOperationException($"{policy.Name}: cannot bind parameter {p.Name} ({p.ParameterType.Name})."),
        }).ToArray();
        return method.Invoke(target, BindingFlags.DoNotWrapExceptions, null, args, null) switch
        {
            Task<IActionResult> task => await task,
            IActionResult result => result,
            var other => throw new InvalidOperationException($"{policy.Name} returned {other?.GetType().Name ?? "null"}."),
        };
    }
}
