namespace Impact.Ingest.Http;

/// <summary>
/// The request body a function reads, for the OpenAPI document: a JSON type (its schema is generated from the
/// C# type with the app's JSON settings) or <see cref="Stream"/> for raw bytes of <see cref="ContentType"/>.
/// Repeat it for alternative content types.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class BodyAttribute(Type type) : Attribute
{
    /// <summary>The body's C# type.</summary>
    public Type Type { get; } = type;

    /// <summary>The media type; <c>application/json</c> unless said otherwise.</summary>
    public string ContentType { get; init; } = "application/json";

    /// <summary>What the body is, for readers of the document.</summary>
    public string? Description { get; init; }
}
