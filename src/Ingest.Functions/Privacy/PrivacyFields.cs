using Impact.Shared.Http;

namespace Impact.Ingest.Privacy;

/// <summary>The checks of the privacy bodies' fields; each failure is a 400 naming the field.</summary>
internal static class PrivacyFields
{
    private const int MaxNameLength = 200;

    /// <summary>The person's id: required, not the empty UUID.</summary>
    public static Guid UserId(Guid? userId) =>
        userId is { } id && id != Guid.Empty
            ? id
            : throw ProblemException.Validation("userId is required: the id of the person the request is about.",
                new Dictionary<string, string[]> { ["userId"] = ["required, a UUID"] });

    /// <summary>An administrator's name in <paramref name="field"/>: required, at most 200 characters, trimmed.</summary>
    public static string Name(string? name, string field) =>
        string.IsNullOrWhiteSpace(name) || name.Length > MaxNameLength
            ? throw ProblemException.Validation($"{field} is required: the name of the administrator (at most {MaxNameLength} characters).",
                new Dictionary<string, string[]> { [field] = ["required, 1-200 characters"] })
            : name.Trim();
}
