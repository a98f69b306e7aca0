using Impact.Shared.Http;

namespace Impact.Ingest.Privacy;

/// <summary>The checks of the privacy bodies' fields; each failure is a 400 naming the field.</summary>
internal static class PrivacyFields
{
    /// <summary>The person's id: required, not the empty UUID.</summary>
    public static Guid UserId(Guid? userId) =>
        userId is { } id && id != Guid.Empty
            ? id
            : throw ProblemException.Validation("userId is required: the id of the person the request is about.",
                new Dictionary<string, string[]> { ["userId"] = ["required, a UUID"] });
}
