using System.Globalization;
using Microsoft.AspNetCore.Http;

namespace Impact.Shared.Http;

/// <summary>
/// Reads a request's query string, collecting an error per bad parameter; <see cref="ThrowIfInvalid"/>
/// answers all of them in one 400. Every function parses its query this way.
/// </summary>
/// <example><code>
/// var q = new QueryValues(request);
/// var companyId = q.Guid("companyId");
/// var limit = q.Int("limit", fallback: 50, min: 1, max: 500);
/// q.ThrowIfInvalid();
/// </code></example>
public sealed class QueryValues(HttpRequest request)
{
    private readonly Dictionary<string, string[]> errors = [];

    /// <summary>A UUID, or null when absent.</summary>
    public Guid? Guid(string name)
    {
        var value = Raw(name);
        if (value is null)
        {
            return null;
        }

        if (System.Guid.TryParse(value, out var id))
        {
            return id;
        }

        errors[name] = [$"'{Clip(value)}' is not an id (a UUID such as 3fa85f64-5717-4562-b3fc-2c963f66afa6)."];
        return null;
    }

    /// <summary>An ISO 8601 date or date-time (UTC unless it says otherwise), or null when absent.</summary>
    public DateTimeOffset? Instant(string name)
    {
        var value = Raw(name);
        if (value is null)
        {
            return null;
        }

        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var instant))
        {
            return instant;
        }

        errors[name] = [$"'{Clip(value)}' is not a date or time: use ISO 8601, e.g. 2026-03-01 or 2026-03-01T00:00:00Z."];
        return null;
    }

    /// <summary>An ISO 8601 instant that must be given.</summary>
    public DateTimeOffset RequiredInstant(string name)
    {
        if (Raw(name) is null)
        {
            errors[name] = [$"{name} is required: an ISO 8601 date-time, e.g. 2026-11-01T00:00:00Z."];
            return default;
        }

        return Instant(name) ?? default;
    }

    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>; <paramref name="fallback"/> when absent.</summary>
    public int Int(string name, int fallback, int min, int max)
    {
        var value = Raw(name);
        if (value is null)
        {
            return fallback;
        }

        if (int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max)
        {
            return n;
        }

        errors[name] = [$"'{Clip(value)}' is not allowed: {name} is a whole number from {min} to {max}."];
        return fallback;
    }

    /// <summary>
    /// One of <paramref name="allowed"/> (case-insensitive, returned as listed), or null when absent. The error
    /// names the value a <paramref name="noun"/> (e.g. "'lost' is not a status") when one is given.
    /// </summary>
    public string? OneOf(string name, IReadOnlyList<string> allowed, string? noun = null)
    {
        var value = Raw(name);
        if (value is null)
        {
            return null;
        }

        var match = allowed.FirstOrDefault(a => string.Equals(a, value, StringComparison.OrdinalIgnoreCase));
        if (match is null)
        {
            errors[name] = [$"'{Clip(value)}' is not {(noun is null ? "allowed" : "a " + noun)}: use one of {string.Join(", ", allowed)}."];
        }

        return match;
    }

    /// <summary>Free text of at most <paramref name="maxLength"/> characters, or null when absent.</summary>
    public string? Text(string name, int maxLength)
    {
        var value = Raw(name);
        if (value is not null && value.Length > maxLength)
        {
            errors[name] = [$"{name} may be at most {maxLength} characters long."];
            return null;
        }

        return value;
    }

    /// <summary>Records an error found by the caller (e.g. two parameters that contradict each other).</summary>
    public void AddError(string name, string message) => errors[name] = [message];

    /// <summary>Throws one 400 naming every bad parameter, if there is any.</summary>
    public void ThrowIfInvalid()
    {
        if (errors.Count > 0)
        {
            throw ProblemException.Validation(string.Join(" ", errors.Values.SelectMany(v => v)), errors);
        }
    }

    private string? Raw(string name) => request.Query[name].ToString().Trim() is { Length: > 0 } v ? v : null;

    // A value is echoed back to help the caller, but never at length.
    private static string Clip(string value) => value.Length <= 64 ? value : value[..64] + "…";
}
