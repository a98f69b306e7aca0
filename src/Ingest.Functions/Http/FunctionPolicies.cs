using System.Reflection;
using Microsoft.Azure.Functions.Worker;

namespace Impact.Ingest.Http;

/// <summary>
/// Every HTTP function of this app with its declared access policy, read once from the function
/// attributes. An HTTP function without <see cref="RequireRoleAttribute"/>, <see cref="PartnerSignatureAttribute"/>
/// or <see cref="PublicEndpointAttribute"/> makes this throw, so the app does not start and the policy
/// test fails.
/// </summary>
public static class FunctionPolicies
{
    private static readonly Lazy<IReadOnlyList<FunctionPolicy>> Policies = new(() => Read(typeof(FunctionPolicies).Assembly));
    private static readonly Lazy<IReadOnlyDictionary<string, FunctionPolicy>> ByEntryPoint =
        new(() => Policies.Value.ToDictionary(p => p.EntryPoint, StringComparer.Ordinal));

    /// <summary>All HTTP functions.</summary>
    public static IReadOnlyList<FunctionPolicy> All => Policies.Value;

    /// <summary>The policy of the function at <paramref name="entryPoint"/>.</summary>
    public static FunctionPolicy ForEntryPoint(string entryPoint) =>
        ByEntryPoint.Value.TryGetValue(entryPoint, out var policy)
            ? policy
            : throw new InvalidOperationException($"No access policy is known for {entryPoint}.");

    /// <summary>The function a request with <paramref name="method"/> to <paramref name="path"/> (without <c>/v1/</c>) reaches.</summary>
    public static FunctionPolicy Match(string method, string path)
    {
        // A literal segment beats a parameter (imports/kintell-sessions before imports/{jobId}).
        var candidates = All.Where(p => p.Matches(method, path)).ToList();
        return candidates.OrderByDescending(p => p.Route.Split('/').Count(s => !s.StartsWith('{'))).FirstOrDefault()
            ?? throw new InvalidOperationException($"No function answers {method} {path}.");
    }

    /// <summary>The HTTP functions declared in <paramref name="assembly"/> (this app's, or a test's own).</summary>
    public static IReadOnlyList<FunctionPolicy> Read(Assembly assembly)
    {
        var missing = new List<string>();
        var policies = new List<FunctionPolicy>();
        foreach (var type in assembly.GetTypes())
        {
            foreach (var method in type.GetMethods(BindingFlags.Public | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly))
            {
                var function = method.GetCustomAttribute<FunctionAttribute>();
                var trigger = method.GetParameters().Select(p => p.GetCustomAttribute<HttpTriggerAttribute>()).FirstOrDefault(a => a is not null);
                if (function is null || trigger is null)
                {
                    continue;
                }

                var roles = method.GetCustomAttribute<RequireRoleAttribute>()?.Roles;
                var partner = method.GetCustomAttribute<PartnerSignatureAttribute>() is not null;
                var isPublic = method.GetCustomAttribute<PublicEndpointAttribute>() is not null;
                if ((roles is null ? 0 : 1) + (partner ? 1 : 0) + (isPublic ? 1 : 0) != 1)
                {
                    missing.Add($"{type.Name}.{method.Name}");
                    continue;
                }

                policies.Add(new FunctionPolicy(function.Name, $"{type.FullName}.{method.Name}",
                    (trigger.Methods ?? []).Select(m => m.ToUpperInvariant()).ToList(), trigger.Route ?? function.Name, roles ?? [])
                {
                    IsPublic = isPublic,
                    Method = method,
                });
            }
        }

        return missing.Count == 0
            ? policies.OrderBy(p => p.Name, StringComparer.Ordinal).ToList()
            : throw new InvalidOperationException(
                "Every HTTP function declares exactly one access policy ([RequireRole(...)], [PartnerSignature] or [PublicEndpoint]); these do not: " + string.Join(", ", missing));
    }
}
