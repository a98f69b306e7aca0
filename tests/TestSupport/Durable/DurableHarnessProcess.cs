using System.Diagnostics;
using Grpc.Net.Client;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;

namespace Impact.TestSupport.Durable;

/// <summary>
/// The out-of-process durable worker (<c>tests/DurableHarness</c>): the DurableTask gRPC
/// sidecar on the Azure Storage backend (Azurite), hosting this solution's orchestrations
/// against the test's database. A test can <see cref="Kill"/> it (SIGKILL, no clean-up) and
/// <see cref="StartAsync()"/> it again; orchestration state survives in Azurite, and the
/// <see cref="Client"/> keeps working across restarts (same port).
/// The test project must build the harness: reference it with
/// <c>&lt;ProjectReference Include="../DurableHarness/DurableHarness.csproj" ReferenceOutputAssembly="false" /&gt;</c>.
/// </summary>
public sealed class DurableHarnessProcess : IAsyncDisposable
{
    private readonly Dictionary<string, string?> environment;
    private readonly GrpcChannel channel;
    private readonly ServiceProvider clientServices;
    private Process? process;
    private readonly List<string> output = [];

    private DurableHarnessProcess(Dictionary<string, string?> environment, int port)
    {
        this.environment = environment;
        channel = GrpcChannel.ForAddress($"http://127.0.0.1:{port}");
        clientServices = new ServiceCollection()
            .AddLogging()
            .AddDurableTaskClient(b =>
            {
                b.UseGrpc(channel);
                b.RegisterDirectly();
            })
            .BuildServiceProvider();
        Client = clientServices.GetRequiredService<DurableTaskClient>();
    }

    /// <summary>A client of the harness's task hub.</summary>
    public DurableTaskClient Client { get; }

    /// <summary>The harness's own output (stdout and stderr), for failure messages.</summary>
    public string Output
    {
        get
        {
            lock (output)
            {
                return string.Join('\n', output.TakeLast(80));
            }
        }
    }

    /// <summary>
    /// Starts the harness for <paramref name="database"/> with extra app settings
    /// (<c>Section:Key</c> names, e.g. <c>Backfill:ChunkRows</c>) on a fresh task hub, and
    /// waits until its worker is connected.
    /// </summary>
    public static async Task<DurableHarnessProcess> StartAsync(TestDatabase database, IDictionary<string, string?>? settings = null)
    {
        var port = FreePort.Next();
        var env = new Dictionary<string, string?>
        {
            ["AzureWebJobsStorage"] = TestStorage.ConnectionString,
            ["Postgres__ConnectionString"] = database.ConnectionString,
            ["Harness__Port"] = port.ToString(System.Globalization.CultureInfo.InvariantCulture),
            // Task hub names: letters and digits, starting with a letter, at most 45 characters.
            ["Harness__TaskHub"] = "h" + Guid.NewGuid().ToString("N")[..20],
            ["Harness__WorkerId"] = "harness-" + port,
            ["Harness__ControlQueueVisibilityTimeout"] = HostJsonStorageProvider("controlQueueVisibilityTimeout"),
            ["Harness__WorkItemQueueVisibilityTimeout"] = HostJsonStorageProvider("workItemQueueVisibilityTimeout"),
            ["Logging__LogLevel__Default"] = "Warning",
            // The app's registration validates every feature's settings, webhooks included.
            ["Webhooks__Kintell__Secrets"] = "test-only-kintell-secret",
            ["Jwt__Issuer"] = Security.TestTokens.Local.Issuer,
            ["Jwt__Audience"] = Security.TestTokens.Local.Audience,
            ["Jwt__SigningKey"] = Security.TestTokens.Local.SigningKey,
        };
        foreach (var (k, v) in settings ?? new Dictionary<string, string?>())
        {
            env[k.Replace(":", "__", StringComparison.Ordinal)] = v;
        }

        var harness = new DurableHarnessProcess(env, port);
        await harness.StartAsync();
        return harness;
    }

    /// <summary>A setting of <c>extensions.durableTask.storageProvider</c> in the Functions app's host.json, so the harness recovers as the app does.</summary>
    public static string HostJsonStorageProvider(string name)
    {
        var hostJson = Path.Combine(LocalServices.RepositoryRoot, "src", "Ingest.Functions", "host.json");
        using var doc = System.Text.Json.JsonDocument.Parse(File.ReadAllText(hostJson));
        return doc.RootElement.GetProperty("extensions").GetProperty("durableTask").GetProperty("storageProvider").GetProperty(name).GetString()
            ?? throw new InvalidOperationException($"host.json sets no durableTask.storageProvider.{name}");
    }

    /// <summary>(Re)starts the process with the same task hub, worker id and port; returns once it is ready.</summary>
    public async Task StartAsync()
    {
        var psi = new ProcessStartInfo("dotnet", [HarnessDll()])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var (k, v) in environment)
        {
            psi.Environment[k] = v;
        }

        var ready = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = Process.Start(psi) ?? throw new InvalidOperationException("could not start dotnet");
        started.OutputDataReceived += (_, e) =>
        {
            if (e.Data is null)
            {
                return;
            }

            Remember(e.Data);
            if (e.Data == "ready")
            {
                ready.TrySetResult();
            }
        };
        started.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Remember(e.Data);
            }
        };
        started.EnableRaisingEvents = true;
        started.Exited += (_, _) => ready.TrySetException(new InvalidOperationException("The durable harness exited before it was ready:\n" + Output));
        started.BeginOutputReadLine();
        started.BeginErrorReadLine();
        process = started;
        await ready.Task.WaitAsync(TimeSpan.FromSeconds(90));
    }

    /// <summary>SIGKILL: the process dies mid-work without any clean-up, like a crashed host.</summary>
    public void Kill()
    {
        if (process is { HasExited: false } p)
        {
            p.Kill(entireProcessTree: true);
            p.WaitForExit(10_000);
        }
    }

    /// <summary>Kills the process (if running) and closes the client.</summary>
    public async ValueTask DisposeAsync()
    {
        Kill();
        process?.Dispose();
        await clientServices.DisposeAsync();
        channel.Dispose();
    }

    private void Remember(string line)
    {
        lock (output)
        {
            output.Add(line);
        }
    }

    private static string HarnessDll()
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
            ? "Release" : "Debug";
        var path = Path.Combine(LocalServices.RepositoryRoot, "tests", "DurableHarness", "bin", configuration, "net10.0", "Impact.DurableHarness.dll");
        return File.Exists(path)
            ? path
            : throw new FileNotFoundException($"The durable harness is not built: {path}. Reference tests/DurableHarness from the test project (ReferenceOutputAssembly=false).");
    }
}
