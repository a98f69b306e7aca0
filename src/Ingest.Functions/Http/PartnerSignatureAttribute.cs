namespace Impact.Ingest.Http;

/// <summary>
/// The access policy of a partner webhook: no bearer token; the function verifies the partner's
/// HMAC signature itself (the only kind of function allowed without a token).
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class PartnerSignatureAttribute : Attribute;
