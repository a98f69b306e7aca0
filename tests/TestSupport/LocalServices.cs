using System.Diagnostics;
using System.Net.Sockets;
using Impact.Shared.Database;
using Npgsql;

namespace Impact.TestSupport;

/// <summary>Connection settings of the PostgreSQL cluster and Azurite the tests run against.</summary>
public sealed record ServiceSettings(string PostgresConnectionString, string StorageConnectionString, int AzuriteQueuePort);

/// <summary>
/// Finds the services started by <c>scripts/services.sh</c> (its <c>.local/services.env</c>), and
/// starts them itself when they are not running — tests never assume a service is already up.
/// A file lock keeps parallel test assemblies from starting two pairs.
/// </summary>
public static class LocalServices
{
    private static readonly Lazy<ServiceSettings> Current = new(Ensure, LazyThreadSafetyMode.ExecutionAndPublication);

    public static ServiceSettings Settings => Current.Value;

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    private static ServiceSettings Ensure()
    {
        var state = Path.GetDirectoryName(Path.Combine(RepositoryRoot, LocalServicesFile.RelativePath))!;
        Directory.CreateDirectory(state);
        using var _ = AcquireLock(Path.Combine(state, "services.lock"));

        var envFile = Path.Combine(RepositoryRoot, LocalServicesFile.RelativePath);
        if (TryRead(envFile) is { } running && IsReachable(running))
        {
            return running;
        }

        RunScript("up");
        return TryRead(envFile) is { } started && IsReachable(started)
            ? started
            : throw new InvalidOperationException($"scripts/services.sh up ran but {envFile} does not name reachable services.");
    }

    private static ServiceSettings? TryRead(string envFile)
    {
        if (!File.Exists(envFile))
        {
            return null;
        }

        var values = LocalServicesFile.Read(envFile);
        return values.TryGetValue("Postgres__ConnectionString", out var pg)
            && values.TryGetValue("AzureWebJobsStorage", out var storage)
            && values.TryGetValue("AZ_QUEUE", out var queuePort)
            ? new ServiceSettings(pg, storage, int.Parse(queuePort, System.Globalization.CultureInfo.InvariantCulture))
            : null;
    }

    private static bool IsReachable(ServiceSettings settings)
    {
        try
        {
            using (var tcp = new TcpClient())
            {
                tcp.Connect("127.0.0.1", settings.AzuriteQueuePort);
            }

            var builder = new NpgsqlConnectionStringBuilder(settings.PostgresConnectionString) { Database = "postgres", Timeout = 5 };
            using var conn = new NpgsqlConnection(builder.ConnectionString);
            conn.Open();
            return true;
        }
        catch (Exception e) when (e is SocketException or NpgsqlException or TimeoutException)
        {
            return false;
        }
    }

    private static void RunScript(string verb)
    {
        var psi = new ProcessStartInfo("bash", [Path.Combine(RepositoryRoot, "scripts", "services.sh"), verb])
        {
            WorkingDirectory = RepositoryRoot,
            RedirectStandardError = true,
            RedirectStandardOutput = true,
        };
        using var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start bash");
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(5)))
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException("scripts/services.sh did not finish within 5 minutes");
        }

        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"scripts/services.sh {verb} failed ({process.ExitCode}):\n{stdout.Result}\n{stderr.Result}");
        }
    }

    private static FileStream AcquireLock(string path)
    {
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (true)
        {
            try
            {
                return new FileStream(path, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException) when (DateTime.UtcNow < deadline)
            {
                Thread.Sleep(200);
            }
        }
    }

    private static string FindRepositoryRoot() =>
        LocalServicesFile.FindRepositoryRoot(AppContext.BaseDirectory)
        ?? throw new InvalidOperationException("Functions.sln not found above " + AppContext.BaseDirectory);
}
