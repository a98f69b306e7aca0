namespace Impact.Ingest.Http;

/// <summary>A query parameter a function reads (with <c>QueryValues</c>), for the OpenAPI document.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class QueryAttribute(string name, Type type) : Attribute
{
    /// <summary>The parameter's name.</summary>
    public string Name { get; } = name;

    /// <summary>Its C# type (string, int, Guid, DateTimeOffset, ...).</summary>
    public Type Type { get; } = type;

    /// <summary>Whether a call without it is a 400.</summary>
    public bool Required { get; init; }

    /// <summary>What it does, its range and default.</summary>
    public string? Description { get; init; }
}
