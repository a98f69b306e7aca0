using DbUp;

namespace Impact.Shared.Database;

/// <summary>
/// The schema: numbered <c>.sql</c> files embedded in this assembly, applied in name order by DbUp.
/// The same scripts run locally, in tests and in deployment.
/// </summary>
public static class Migrations
{
    /// <summary>Applies every script not yet applied; returns the names of those it ran.</summary>
    /// <exception cref="MigrationException">A script failed; the message names it and the error.</exception>
    public static IReadOnlyList<string> Apply(string connectionString)
    {
        var upgrader = DeployChanges.To
            .PostgresqlDatabase(connectionString)
            .WithScriptsEmbeddedInAssembly(typeof(Migrations).Assembly, name => name.EndsWith(".sql", StringComparison.Ordinal))
            .WithTransactionPerScript()
            .LogToNowhere()
            .Build();

        var result = upgrader.PerformUpgrade();
        if (!result.Successful)
        {
            throw new MigrationException(
                $"Migration {result.ErrorScript?.Name ?? "(unknown)"} failed: {result.Error?.Message}", result.Error);
        }

        return result.Scripts.Select(s => ScriptName(s.Name)).ToList();
    }

    /// <summary>The embedded script names in the order they apply, without the resource prefix.</summary>
    public static IReadOnlyList<string> ScriptNames() =>
        typeof(Migrations).Assembly.GetManifestResourceNames()
            .Where(n => n.EndsWith(".sql", StringComparison.Ordinal))
            .Select(ScriptName)
            .Order(StringComparer.Ordinal)
            .ToList();

    private static string ScriptName(string resourceName)
    {
        const string marker = ".Migrations.";
        var i = resourceName.IndexOf(marker, StringComparison.Ordinal);
        return i < 0 ? resourceName : resourceName[(i + marker.Length)..];
    }
}
