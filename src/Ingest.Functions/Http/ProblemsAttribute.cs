namespace Impact.Ingest.Http;

/// <summary>
/// Problem+json answers a function gives besides those its policy, route ids, body and query imply (for example
/// 409, 413, 415, 422, 503), for the OpenAPI document.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class ProblemsAttribute(params int[] statuses) : Attribute
{
    /// <summary>The HTTP statuses.</summary>
    public IReadOnlyList<int> Statuses { get; } = statuses;
}
