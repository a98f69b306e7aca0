using System.Diagnostics;
using System.Reflection;
using System.Text.RegularExpressions;

namespace Impact.Infra.Tests;

/// <summary>One line Bicep wrote to stderr: a compiler or linter diagnostic, or anything else.</summary>
public sealed record BicepDiagnostic(string Level, string Code, string Line)
{
    public override string ToString() => Line;
}

/// <summary>What a bicep command did: its exit code, its stdout (the compiled JSON) and its stderr lines.</summary>
public sealed record BicepBuildResult(int ExitCode, string Output, IReadOnlyList<BicepDiagnostic> Diagnostics)
{
    /// <summary>A clean build: exit code 0 and nothing at all on stderr — no error, no linter warning.</summary>
    public bool IsClean => ExitCode == 0 && Diagnostics.Count == 0;

    public string Describe() =>
        $"bicep exited with {ExitCode} and {Diagnostics.Count} diagnostic(s):{Environment.NewLine}"
        + string.Join(Environment.NewLine, Diagnostics);
}

/// <summary>Runs the Bicep CLI restored from the Azure.Bicep.CommandLine.linux-x64 package.</summary>
public static partial class BicepCli
{
    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    public static string MainTemplate { get; } = Path.Combine(RepositoryRoot, "infra", "bicep", "main.bicep");

    public static string MainParameters { get; } = Path.Combine(RepositoryRoot, "infra", "bicep", "main.bicepparam");

    /// <summary><c>bicep build FILE --stdout</c>: the ARM template, plus every diagnostic.</summary>
    public static Task<BicepBuildResult> BuildAsync(string bicepFile) =>
        RunAsync(["build", bicepFile, "--stdout"], new Dictionary<string, string?>());

    /// <summary>
    /// <c>bicep build-params FILE --stdout</c> with the given environment variables set (or, when
    /// null, removed), because the parameters file reads secrets from the environment.
    /// </summary>
    public static Task<BicepBuildResult> BuildParametersAsync(string bicepParamFile, IReadOnlyDictionary<string, string?> environment) =>
        RunAsync(["build-params", bicepParamFile, "--stdout"], environment);

    private static async Task<BicepBuildResult> RunAsync(IEnumerable<string> arguments, IReadOnlyDictionary<string, string?> environment)
    {
        var start = new ProcessStartInfo(Executable())
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {start.FileName}.");
        // Read both streams at once: a full stderr pipe would otherwise block the compiler.
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);

        var diagnostics = (await stderr)
            .Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(Parse)
            .ToList();
        return new BicepBuildResult(process.ExitCode, await stdout, diagnostics);
    }

    private static BicepDiagnostic Parse(string line) =>
        DiagnosticLine().Match(line) is { Success: true } match
            ? new BicepDiagnostic(match.Groups["level"].Value, match.Groups["code"].Value, line)
            : new BicepDiagnostic("Other", "", line);

    // e.g. "/repo/infra/bicep/main.bicep(12,7) : Warning no-unused-params: Parameter ... [https://aka.ms/...]"
    [GeneratedRegex(@"^.+\(\d+,\d+\) : (?<level>Error|Warning|Info) (?<code>[^:\s]+): ")]
    private static partial Regex DiagnosticLine();

    private static string Executable()
    {
        var path = typeof(BicepCli).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
            .Single(a => a.Key == "BicepExecutable").Value
            ?? throw new InvalidOperationException("The test assembly does not name the Bicep executable.");
        if (!File.Exists(path))
        {
            throw new FileNotFoundException("The Bicep CLI is missing from the NuGet package folder; run dotnet restore.", path);
        }

        // NuGet extracts files with whatever mode the package had; the CLI must be executable.
        // (The package is the linux-x64 build, so there is nothing to do on Windows.)
        if (!OperatingSystem.IsWindows() && (File.GetUnixFileMode(path) & UnixFileMode.UserExecute) == 0)
        {
            File.SetUnixFileMode(path, File.GetUnixFileMode(path)
                | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute);
        }

        return path;
    }

    // Infra.Tests needs neither PostgreSQL nor Azurite, so it does not reference TestSupport.
    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Functions.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Functions.sln not found above " + AppContext.BaseDirectory);
    }
}
