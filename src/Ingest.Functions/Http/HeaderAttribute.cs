namespace Impact.Ingest.Http;

/// <summary>A request header a function reads (other than <c>Authorization</c>), for the OpenAPI document.</summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = true)]
public sealed class HeaderAttribute(string name) : Attribute
{
    /// <summary>The header's name.</summary>
    public string Name { get; } = name;

    /// <summary>What it carries.</summary>
    public string? Description { get; init; }
}
