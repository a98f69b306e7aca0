using System.Net;

namespace Impact.Shared.Http;

/// <summary>
/// A request the caller can fix, or a state the caller should know about. Thrown anywhere below an
/// HTTP function; <see cref="ProblemMapping"/> turns it into RFC 9457 problem+json.
/// </summary>
/// <param name="status">The HTTP status to answer with.</param>
/// <param name="title">A short, human-readable summary that does not change from case to case.</param>
/// <param name="detail">What went wrong in this case, in words a person understands.</param>
/// <param name="inner">The error behind it, if any (for logs; never shown to the caller).</param>
public class ProblemException(HttpStatusCode status, string title, string detail, Exception? inner = null) : Exception(detail, inner)
{
    /// <summary>The HTTP status.</summary>
    public HttpStatusCode Status { get; } = status;

    /// <summary>The problem's title.</summary>
    public string Title { get; } = title;

    /// <summary>The problem's detail.</summary>
    public string Detail { get; } = detail;

    /// <summary>Field-level validation errors (field name → messages), when the input failed validation.</summary>
    public IReadOnlyDictionary<string, string[]>? Errors { get; init; }

    /// <summary>Extra response headers, e.g. <c>Retry-After</c>.</summary>
    public IReadOnlyDictionary<string, string>? Headers { get; init; }

    /// <summary>A 400 listing each invalid field.</summary>
    public static ProblemException Validation(string detail, IReadOnlyDictionary<string, string[]> errors) =>
        new(HttpStatusCode.BadRequest, "The request is not valid", detail) { Errors = errors };

    /// <summary>A 404 for a resource that does not exist.</summary>
    public static ProblemException NotFound(string what) =>
        new(HttpStatusCode.NotFound, "Not found", what);
}
