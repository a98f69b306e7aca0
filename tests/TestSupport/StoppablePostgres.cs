using System.Diagnostics;
using Impact.Shared.Database;
using Npgsql;

namespace Impact.TestSupport;

/// <summary>
/// A PostgreSQL cluster of one test's own — <c>initdb</c> in a temp folder, a free loopback port, as
/// <c>scripts/services.sh</c> does it — that the test may stop and start again, to play a database outage
/// without taking the shared cluster away from the tests running beside it. <see cref="CreateAsync"/> leaves it
/// running with a migrated database <c>impact</c>; the port stays the same across restarts, so a connection
/// string (and the pool behind it) survives the outage as an app's would.
/// </summary>
public sealed class StoppablePostgres : IAsyncDisposable
{
    private readonly string binDir;
    private readonly string root;

    private StoppablePostgres(string binDir, string root, int port)
    {
        this.binDir = binDir;
        this.root = root;
        Port = port;
        ConnectionString = new NpgsqlConnectionStringBuilder
        {
            Host = "127.0.0.1", Port = port, Username = "postgres", Database = "impact", Timeout = 5,
        }.ConnectionString;
    }

    /// <summary>The cluster's port on 127.0.0.1.</summary>
    public int Port { get; }

    /// <summary>The migrated database <c>impact</c>.</summary>
    public string ConnectionString { get; }

    /// <summary>Whether the server is up (as far as this object started and stopped it).</summary>
    public bool IsRunning { get; private set; }

    private string DataDir => Path.Combine(root, "data");

    private static bool AsRoot => Environment.UserName == "root";

    /// <summary>Creates the cluster, starts it and migrates a database <c>impact</c> (a few seconds).</summary>
    public static async Task<StoppablePostgres> CreateAsync()
    {
        var binDir = FindBinDir();
        var root = Directory.CreateTempSubdirectory("impact-pg-own-").FullName;
        if (AsRoot)
        {
            // initdb and postgres refuse root: the cluster belongs to the postgres user.
            await RunAsync("chown", ["postgres:", root]);
        }

        var pg = new StoppablePostgres(binDir, root, FreePort.Next());
        try
        {
            await pg.RunPgAsync("initdb", ["--no-sync", "-D", pg.DataDir, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8"]);
            await pg.StartAsync();
            var admin = new NpgsqlConnectionStringBuilder(pg.ConnectionString) { Database = "postgres", Pooling = false };
            await using (var conn = new NpgsqlConnection(admin.ConnectionString))
            {
                await conn.OpenAsync();
                await using var create = new NpgsqlCommand("CREATE DATABASE impact", conn);
                await create.ExecuteNonQueryAsync();
            }

            var migrate = new NpgsqlConnectionStringBuilder(pg.ConnectionString) { Pooling = false };
            Migrations.Apply(migrate.ConnectionString);
            return pg;
        }
        catch
        {
            await pg.DisposeAsync();
            throw;
        }
    }

    /// <summary>Starts the server (again) on the same port and data; returns once it accepts connections.</summary>
    public async Task StartAsync()
    {
        await RunPgAsync("pg_ctl", ["-D", DataDir, "-l", Path.Combine(root, "postgres.log"), "-w", "-t", "60", "-o",
            $"-p {Port} -k {root} -c listen_addresses=127.0.0.1 -c max_connections=100 -c fsync=off -c synchronous_commit=off -c full_page_writes=off",
            "start"]);
        IsRunning = true;
    }

    /// <summary>
    /// Stops the server the way an outage does to its clients: open sessions are terminated (their transactions
    /// roll back), new connections are refused until <see cref="StartAsync"/>.
    /// </summary>
    public async Task StopAsync()
    {
        await RunPgAsync("pg_ctl", ["-D", DataDir, "-m", "fast", "-w", "-t", "60", "stop"]);
        IsRunning = false;
    }

    /// <summary>Stops the server if it runs and deletes its files.</summary>
    public async ValueTask DisposeAsync()
    {
        if (File.Exists(Path.Combine(DataDir, "postmaster.pid")))
        {
            try
            {
                await RunPgAsync("pg_ctl", ["-D", DataDir, "-m", "immediate", "-w", "stop"]);
            }
            catch (InvalidOperationException)
            {
                // Not running after all; the folder goes anyway.
            }
        }

        IsRunning = false;
        Directory.Delete(root, recursive: true);
    }

    private Task RunPgAsync(string tool, IEnumerable<string> args)
    {
        var path = Path.Combine(binDir, tool);
        return AsRoot ? RunAsync("runuser", ["-u", "postgres", "--", path, .. args]) : RunAsync(path, args);
    }

    private static async Task RunAsync(string file, IEnumerable<string> args)
    {
        var psi = new ProcessStartInfo(file) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        using var process = Process.Start(psi) ?? throw new InvalidOperationException($"could not start {file}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{file} {string.Join(' ', psi.ArgumentList)} failed ({process.ExitCode}):\n{await stdout}\n{await stderr}");
        }
    }

    private static string FindBinDir() =>
        Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "initdb")))
                .OrderBy(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0)
                .LastOrDefault() ?? throw new InvalidOperationException("no initdb under /usr/lib/postgresql/*/bin; run scripts/services.sh up once")
            : throw new InvalidOperationException("PostgreSQL server binaries not found (/usr/lib/postgresql); run scripts/services.sh up once");
}
