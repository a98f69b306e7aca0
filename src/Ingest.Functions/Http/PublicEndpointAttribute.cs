namespace Impact.Ingest.Http;

/// <summary>
/// The access policy of a function anyone may call without a token or a signature: only for what is public by
/// nature (the API's own OpenAPI document). Never for data.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class PublicEndpointAttribute : Attribute;
