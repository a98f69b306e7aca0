using System.Reflection;

namespace Impact.Ingest.Http;

/// <summary>One HTTP function and who may call it.</summary>
/// <param name="Name">The function's name (as in <c>functions.metadata</c>).</param>
/// <param name="EntryPoint">Full type name and method, as the worker reports it.</param>
/// <param name="Methods">HTTP methods, upper case.</param>
/// <param name="Route">The route template without the <c>v1/</c> prefix.</param>
/// <param name="Roles">Roles any one of which lets a caller in; empty for a partner webhook or a public endpoint.</param>
public sealed record FunctionPolicy(string Name, string EntryPoint, IReadOnlyList<string> Methods, string Route, IReadOnlyList<string> Roles)
{
    /// <summary>Open to anyone (<see cref="PublicEndpointAttribute"/>): no token, no signature.</summary>
    public bool IsPublic { get; init; }

    /// <summary>Authenticated by the partner's signature, not by a token.</summary>
    public bool IsPartnerWebhook => Roles.Count == 0 && !IsPublic;

    /// <summary>The function's method: its other attributes describe it in the OpenAPI document.</summary>
    public MethodInfo? Method { get; init; }

    /// <summary>Set when the route is being retired: the answers carry Deprecation, Sunset and Link headers.</summary>
    public DeprecatedRouteAttribute? Deprecation => Method?.GetCustomAttribute<DeprecatedRouteAttribute>();

    /// <summary>True when <paramref name="method"/> and <paramref name="path"/> (without <c>/v1/</c>) hit this function.</summary>
    public bool Matches(string method, string path)
    {
        if (!Methods.Contains(method.ToUpperInvariant()))
        {
            return false;
        }

        var want = Route.Split('/');
        var have = path.Trim('/').Split('/');
        return want.Length == have.Length
            && want.Zip(have).All(p => p.First.StartsWith('{') || string.Equals(p.First, p.Second, StringComparison.OrdinalIgnoreCase));
    }
}
