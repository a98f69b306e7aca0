using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Impact.Infra.Tests;

/// <summary>A template inside the compiled ARM JSON: main, or a module's nested deployment.</summary>
public sealed record ArmScope(JsonObject Template, JsonObject? Deployment, ArmScope? Parent);

/// <summary>The app settings of one site as compiled (values are ARM expressions).</summary>
public sealed record SiteAppSettings(IReadOnlyDictionary<string, string> Values, ArmScope Scope)
{
    public IEnumerable<string> Names => Values.Keys;

    /// <summary>
    /// The expression a setting finally comes from, following module parameters and module
    /// outputs (e.g. a setting fed by the Key Vault module's output gives that output's format(...)).
    /// </summary>
    public string Origin(string name) => ArmTemplate.Resolve(Values[name], Scope);
}

/// <summary>Reads what tests need from `bicep build` output: sites, their settings, module wiring.</summary>
public static partial class ArmTemplate
{
    public static SiteAppSettings AppSettingsOfSite(JsonObject root, string siteKind)
    {
        var found = Scopes(new ArmScope(root, null, null))
            .SelectMany(scope => Resources(scope.Template)
                .Where(r => Text(r["type"]) == "Microsoft.Web/sites" && Text(r["kind"]) == siteKind)
                .Select(_ => scope))
            .ToList();
        var scope = found.Count == 1
            ? found[0]
            : throw new InvalidOperationException($"Expected one Microsoft.Web/sites of kind '{siteKind}' in the template, found {found.Count}.");

        var config = Resources(scope.Template)
            .SingleOrDefault(r => Text(r["type"]) == "Microsoft.Web/sites/config" && IsAppSettings(Text(r["name"])))
            ?? throw new InvalidOperationException($"The '{siteKind}' site has no Microsoft.Web/sites/config 'appsettings' resource.");

        var properties = config["properties"] switch
        {
            JsonObject literal => literal,
            JsonValue expression when VariableReference().Match(Text(expression)) is { Success: true } m
                => scope.Template["variables"]?[m.Groups["name"].Value] as JsonObject,
            _ => null,
        } ?? throw new InvalidOperationException(
            "The appsettings properties must be an object literal or a variable holding one, so their names are visible at build time.");

        return new SiteAppSettings(properties.ToDictionary(p => p.Key, p => Text(p.Value)), scope);
    }

    /// <summary>Follows [parameters('x')] to the module's caller and [reference(deployment).outputs.y.value] into that module.</summary>
    public static string Resolve(string value, ArmScope scope)
    {
        for (var hops = 0; hops < 20; hops++)
        {
            if (ParameterReference().Match(value) is { Success: true } parameter
                && scope is { Deployment: { } deployment, Parent: { } parent }
                && deployment["properties"]?["parameters"]?[parameter.Groups["name"].Value]?["value"] is JsonValue passed)
            {
                (value, scope) = (Text(passed), parent);
            }
            else if (ModuleOutputReference().Match(value) is { Success: true } output
                && Resources(scope.Template).FirstOrDefault(r =>
                    Text(r["type"]) == "Microsoft.Resources/deployments" && Text(r["name"]) == output.Groups["module"].Value) is { } module
                && module["properties"]?["template"] is JsonObject moduleTemplate
                && moduleTemplate["outputs"]?[output.Groups["output"].Value]?["value"] is JsonValue produced)
            {
                (value, scope) = (Text(produced), new ArmScope(moduleTemplate, module, scope));
            }
            else
            {
                return value;
            }
        }

        throw new InvalidOperationException($"Gave up following '{value}': too many hops.");
    }

    private static IEnumerable<ArmScope> Scopes(ArmScope scope)
    {
        yield return scope;
        foreach (var deployment in Resources(scope.Template).Where(r => Text(r["type"]) == "Microsoft.Resources/deployments"))
        {
            if (deployment["properties"]?["template"] is JsonObject nested)
            {
                foreach (var inner in Scopes(new ArmScope(nested, deployment, scope)))
                {
                    yield return inner;
                }
            }
        }
    }

    // languageVersion 1.0 lists resources in an array; 2.0 (symbolic names) keys them by name.
    private static IEnumerable<JsonObject> Resources(JsonObject template) => template["resources"] switch
    {
        JsonArray list => list.OfType<JsonObject>(),
        JsonObject byName => byName.Select(p => p.Value).OfType<JsonObject>(),
        _ => [],
    };

    private static bool IsAppSettings(string name) =>
        name.EndsWith("/appsettings", StringComparison.Ordinal) || name.EndsWith("'appsettings')]", StringComparison.Ordinal);

    private static string Text(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<string>(out var text) ? text : node?.ToJsonString() ?? "";

    [GeneratedRegex(@"^\[variables\('(?<name>[^']+)'\)\]$")]
    private static partial Regex VariableReference();

    [GeneratedRegex(@"^\[parameters\('(?<name>[^']+)'\)\]$")]
    private static partial Regex ParameterReference();

    [GeneratedRegex(@"^\[reference\(resourceId\('Microsoft\.Resources/deployments', '(?<module>[^']+)'\), '[^']+'\)\.outputs\.(?<output>[^.]+)\.value\]$")]
    private static partial Regex ModuleOutputReference();
}
