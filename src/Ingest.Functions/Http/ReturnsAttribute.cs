namespace Impact.Ingest.Http;

/// <summary>
/// A successful answer of a function, for the OpenAPI document: the status and the C# type of its body (none for
/// a 204; <see cref="Stream"/> for a file). Problem answers need no attribute for what the policy, the route's ids,
/// the body and the query imply (401/403, 404, 400); name the others with <see cref="ProblemsAttribute"/>.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class ReturnsAttribute(int status, Type? type = null) : Attribute
{
    /// <summary>The HTTP status.</summary>
    public int Status { get; } = status;

    /// <summary>The body's C# type; null for no body.</summary>
    public Type? Type { get; } = type;

    /// <summary>The media type; <c>application/json</c> unless said otherwise.</summary>
    public string ContentType { get; init; } = "application/json";

    /// <summary>When this answer is given.</summary>
    public string? Description { get; init; }
}
