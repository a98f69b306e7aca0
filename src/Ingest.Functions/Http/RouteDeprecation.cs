using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Impact.Ingest.Http;

/// <summary>The headers of a route being retired (SPEC §L), written on every answer of a <see cref="DeprecatedRouteAttribute"/> function.</summary>
public static class RouteDeprecation
{
    /// <summary>Adds <c>Deprecation</c> (RFC 9745), <c>Sunset</c> (RFC 8594) and <c>Link: &lt;…&gt;; rel="deprecation"</c>.</summary>
    public static void Apply(IHeaderDictionary headers, DeprecatedRouteAttribute route)
    {
        headers["Deprecation"] = "@" + route.DeprecatedAt.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        headers["Sunset"] = route.Sunset.UtcDateTime.ToString("r", CultureInfo.InvariantCulture);
        headers.Append("Link", $"<{route.Link}>; rel=\"deprecation\"; type=\"text/html\"");
    }
}
