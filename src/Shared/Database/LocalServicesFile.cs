namespace Impact.Shared.Database;

/// <summary>
/// The settings file <c>scripts/services.sh up</c> writes (<c>.local/services.env</c> in the repository):
/// <c>KEY=value</c> lines, values optionally in single quotes. Development tools, the SSE host in
/// Development and the tests read their local PostgreSQL and Azurite settings from it.
/// </summary>
public static class LocalServicesFile
{
    /// <summary>The file's path relative to the repository root.</summary>
    public static readonly string RelativePath = Path.Combine(".local", "services.env");

    /// <summary>The connection string setting in the file (and in the environment).</summary>
    public const string PostgresKey = "Postgres__ConnectionString";

    /// <summary>The repository root above any of <paramref name="startDirectories"/> (the folder with <c>Functions.sln</c>), or null.</summary>
    public static string? FindRepositoryRoot(params string[] startDirectories)
    {
        foreach (var start in startDirectories)
        {
            for (var dir = new DirectoryInfo(start); dir is not null; dir = dir.Parent)
            {
                if (File.Exists(Path.Combine(dir.FullName, "Functions.sln")))
                {
                    return dir.FullName;
                }
            }
        }

        return null;
    }

    /// <summary>The file of the repository above the current directory or this program, when it exists.</summary>
    public static string? Find() =>
        FindRepositoryRoot(Directory.GetCurrentDirectory(), AppContext.BaseDirectory) is { } root
        && Path.Combine(root, RelativePath) is var path && File.Exists(path)
            ? path
            : null;

    /// <summary>The file's settings; comments and blank lines are skipped.</summary>
    public static IReadOnlyDictionary<string, string> Read(string path) =>
        File.ReadAllLines(path)
            .Where(l => l.Length > 0 && !l.StartsWith('#') && l.Contains('=', StringComparison.Ordinal))
            .Select(l => (Key: l[..l.IndexOf('=', StringComparison.Ordinal)], Value: l[(l.IndexOf('=', StringComparison.Ordinal) + 1)..].Trim('\'')))
            .GroupBy(kv => kv.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal);

    /// <summary>The local PostgreSQL connection string, when the services are written down; else null.</summary>
    public static string? PostgresConnectionString() =>
        Find() is { } path && Read(path).TryGetValue(PostgresKey, out var cs) && cs.Length > 0 ? cs : null;

    /// <summary>
    /// The connection string argument of a command-line tool (<c>tool [&lt;connection string&gt;]</c>): the
    /// argument, else <c>Postgres__ConnectionString</c>, else the local services' file. Null with an exit
    /// code when the tool should stop: 0 after printing <paramref name="usage"/> for <c>--help</c>, 2 for
    /// anything else it cannot use (the reason on <paramref name="error"/>).
    /// </summary>
    public static (string? ConnectionString, int ExitCode) ToolConnectionString(string[] args, string usage, TextWriter output, TextWriter error)
    {
        if (args is ["-h" or "--help" or "-?" or "help", ..])
        {
            output.WriteLine(usage);
            return (null, 0);
        }

        if (args.Length > 1 || args is [['-', ..]])
        {
            error.WriteLine(usage);
            return (null, 2);
        }

        var connectionString = args.FirstOrDefault()
            ?? (Environment.GetEnvironmentVariable(PostgresKey) is { Length: > 0 } env ? env : null)
            ?? PostgresConnectionString();
        if (connectionString is null)
        {
            error.WriteLine($"No database: pass a connection string, set {PostgresKey}, or run `bash scripts/services.sh up` first. {usage}");
            return (null, 2);
        }

        return (connectionString, 0);
    }
}
