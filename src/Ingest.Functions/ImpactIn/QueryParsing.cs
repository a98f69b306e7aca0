using System.Globalization;
using Impact.Shared.Http;
using Impact.Shared.ImpactIn;
using Microsoft.AspNetCore.Http;

namespace Impact.Ingest.ImpactIn;

/// <summary>Query-string values of the Impact-In API, each error named by its parameter.</summary>
internal static class QueryParsing
{
    public static Guid? Guid(HttpRequest req, string name, Dictionary<string, string[]> errors)
    {
        var value = req.Query[name].ToString();
        if (value.Length == 0)
        {
            return null;
        }

        if (System.Guid.TryParse(value, out var id))
        {
            return id;
        }

        errors[name] = [$"'{value}' is not an id (a UUID such as 3fa85f64-5717-4562-b3fc-2c963f66afa6)."];
        return null;
    }

    public static string? Platform(HttpRequest req, Dictionary<string, string[]> errors)
    {
        var value = req.Query["platform"].ToString();
        if (value.Length == 0)
        {
            return null;
        }

        var platform = Platforms.Normalize(value);
        if (platform is null)
        {
            errors["platform"] = [$"'{value}' is not a platform: use one of {string.Join(", ", Platforms.All)}."];
        }

        return platform;
    }

    public static string? Status(HttpRequest req, Dictionary<string, string[]> errors)
    {
        var value = req.Query["status"].ToString().Trim().ToLowerInvariant();
        if (value.Length == 0)
        {
            return null;
        }

        if (!DeliveryStatus.All.Contains(value))
        {
            errors["status"] = [$"'{value}' is not a status: use one of {string.Join(", ", DeliveryStatus.All)}."];
            return null;
        }

        return value;
    }

    public static DateTimeOffset? Instant(HttpRequest req, string name, Dictionary<string, string[]> errors)
    {
        var value = req.Query[name].ToString();
        if (value.Length == 0)
        {
            return null;
        }

        if (DateTimeOffset.TryParse(value, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var instant))
        {
            return instant;
        }

        errors[name] = [$"'{value}' is not a date or time: use ISO 8601, e.g. 2026-03-01 or 2026-03-01T00:00:00Z."];
        return null;
    }

    public static int Int(HttpRequest req, string name, int fallback, int min, int max, Dictionary<string, string[]> errors)
    {
        var value = req.Query[name].ToString();
        if (value.Length == 0)
        {
            return fallback;
        }

        if (int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n >= min && n <= max)
        {
            return n;
        }

        errors[name] = [$"'{value}' is not allowed: {name} is a whole number from {min} to {max}."];
        return fallback;
    }

    public static void ThrowIfAny(Dictionary<string, string[]> errors)
    {
        if (errors.Count > 0)
        {
            throw ProblemException.Validation(string.Join(" ", errors.Values.SelectMany(v => v)), errors);
        }
    }
}
