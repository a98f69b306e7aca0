namespace Impact.Ingest.Http;

/// <summary>
/// The access policy of an HTTP function: a valid bearer token carrying one of <see cref="Roles"/>.
/// Company-scoped roles also need the token's company claim; the function then scopes every query to
/// that company (another company's resource is a 404). Every HTTP function declares a policy, this or
/// <see cref="PartnerSignatureAttribute"/>; <see cref="FunctionPolicies"/> refuses one that does not.
/// </summary>
[AttributeUsage(AttributeTargets.Method, AllowMultiple = false)]
public sealed class RequireRoleAttribute(params string[] roles) : Attribute
{
    /// <summary>Any one of these roles lets the caller in.</summary>
    public IReadOnlyList<string> Roles { get; } = roles.Length > 0 ? roles : throw new ArgumentException("Name at least one role.", nameof(roles));
}
