using System.Globalization;

namespace Impact.Ingest.Http;

/// <summary>
/// Marks a function whose route is being retired (SPEC §L): every answer carries <c>Deprecation: @&lt;unix time&gt;</c>
/// (RFC 9745), <c>Sunset: &lt;HTTP-date&gt;</c> (RFC 8594) and <c>Link: &lt;link&gt;; rel="deprecation"</c>, and the
/// OpenAPI document marks the operation <c>deprecated</c>. Keep the old function as a thin alias that calls the new one.
/// </summary>
/// <param name="deprecatedAt">When the route was deprecated, ISO 8601 (e.g. <c>2026-12-01T00:00:00Z</c>).</param>
/// <param name="sunset">When it stops answering, ISO 8601; not earlier than <paramref name="deprecatedAt"/>.</param>
/// <param name="link">Where callers read about the change (the successor's documentation).</param>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class DeprecatedRouteAttribute(string deprecatedAt, string sunset, string link) : Attribute
{
    /// <summary>When the route was deprecated.</summary>
    public DateTimeOffset DeprecatedAt { get; } = Parse(deprecatedAt, nameof(deprecatedAt));

    /// <summary>When it stops answering.</summary>
    public DateTimeOffset Sunset { get; } = Parse(sunset, nameof(sunset)) is var s && s >= Parse(deprecatedAt, nameof(deprecatedAt))
        ? s
        : throw new ArgumentException("The sunset cannot be earlier than the deprecation (RFC 9745 §3).", nameof(sunset));

    /// <summary>Where callers read about the change.</summary>
    public string Link { get; } = link;

    /// <summary>The route that replaces this one (without <c>/v1/</c>), for the document's description.</summary>
    public string? Successor { get; init; }

    private static DateTimeOffset Parse(string value, string name) =>
        DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at)
            ? at
            : throw new ArgumentException($"'{value}' is not an ISO 8601 time.", name);
}
