using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Impact.Shared.Events;
using EventLog = Impact.Shared.Events.EventLog;
using Impact.Shared.Security;
using Impact.StreamHost.Security;
using Impact.TestSupport;
using Npgsql;

namespace Impact.Bench;

/// <summary>
/// The SSE host in its own process (so its memory is its own), N concurrent stream connections
/// from this process, and commit-to-receipt latency at 100 events/s next to a bare LISTEN/NOTIFY
/// round trip measured in the same run. Args: [connections=10000] [seconds=10].
/// </summary>
public sealed class SseScenario : IScenario
{
    private const int EventsPerSecond = 100;
    private const int HotConnections = 100;
    private const int Companies = 100;
    private static readonly JwtOptions Jwt = new() { SigningKey = "bench-signing-key-0123456789abcdef-0123456789", Issuer = "bench", Audience = "bench" };

    public string Name => "sse";

    public async Task<string> RunAsync(string[] args)
    {
        var target = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 10_000;
        var seconds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 10;
        await using var db = await TestDatabase.CreateAsync();
        var companies = new List<Guid>();
        await using (var conn = await db.DataSource.OpenConnectionAsync())
        {
            for (var i = 0; i < Companies; i++)
            {
                await using var cmd = new NpgsqlCommand("INSERT INTO impact.companies (name) VALUES ('bench') RETURNING id", conn);
                companies.Add((Guid)(await cmd.ExecuteScalarAsync())!);
            }
        }

        var port = FreePort();
        using var host = StartHost(db.ConnectionString, port);
        var baseAddress = new Uri($"http://127.0.0.1:{port}");
        using var http = new HttpClient(new SocketsHttpHandler
        {
            MaxConnectionsPerServer = int.MaxValue,
            PooledConnectionLifetime = Timeout.InfiniteTimeSpan,
        }) { BaseAddress = baseAddress, Timeout = Timeout.InfiniteTimeSpan };
        await WaitHealthyAsync(http);

        var rssIdle = RssKb(host.Id);
        var hot = companies[0];
        var receipts = new ReceiptLog();
        using var stop = new CancellationTokenSource();
        var readers = new List<Task>();
        var opened = 0;
        string? openError = null;
        var openWatch = Stopwatch.StartNew();
        // Open in waves of 200; the first HotConnections belong to the company that gets the events.
        for (var wave = 0; wave < target && openError is null; wave += 200)
        {
            var batch = Enumerable.Range(wave, Math.Min(200, target - wave)).Select(async i =>
            {
                var company = i < HotConnections ? hot : companies[1 + (i % (Companies - 1))];
                try
                {
                    var body = await OpenAsync(http, company, stop.Token);
                    Interlocked.Increment(ref opened);
                    return (Task?)ReadAsync(body, i < HotConnections ? receipts : null, stop.Token);
                }
                catch (Exception e) when (e is HttpRequestException or IOException or SocketException)
                {
                    openError ??= $"connection {i}: {e.GetBaseException().Message}";
                    return null;
                }
            });
            readers.AddRange((await Task.WhenAll(batch)).OfType<Task>());
        }

        openWatch.Stop();
        await Task.Delay(2000); // let allocations settle before reading memory
        var rssConnected = RssKb(host.Id);
        var statsOpen = await StatsAsync(http);

        var sse = await MeasureSseAsync(db, hot, seconds, receipts);
        var baseline = await MeasureListenNotifyAsync(db.ConnectionString, seconds);
        var statsEnd = await StatsAsync(http);

        stop.Cancel();
        await Task.WhenAll(readers.Select(r => r.ContinueWith(_ => { }, TaskScheduler.Default)));
        var load = File.ReadAllText("/proc/loadavg").Split(' ')[..3];
        var limits = OpenFilesLimit(Environment.ProcessId);
        var hostLimits = OpenFilesLimit(host.Id);
        host.Kill(entireProcessTree: true);

        var perConnKb = opened > 0 ? (rssConnected - rssIdle) / (double)opened : double.NaN;
        var report = new StringBuilder();
        report.AppendLine("## Concurrent connections\n");
        report.AppendLine("| | value |\n|---|---|");
        report.AppendLine($"| connections asked for | {target} |");
        report.AppendLine($"| connections open (host's own count) | {statsOpen.GetProperty("connections").GetInt32()} |");
        report.AppendLine($"| time to open them | {Stats.F(openWatch.Elapsed.TotalSeconds, 1)} s ({Stats.F(opened / openWatch.Elapsed.TotalSeconds, 0)}/s, 200 at a time) |");
        report.AppendLine($"| host RSS idle → with all connections | {rssIdle / 1024} MB → {rssConnected / 1024} MB |");
        report.AppendLine($"| host memory per connection (RSS delta / connections) | {Stats.F(perConnKb, 1)} KB |");
        report.AppendLine($"| open-files limit: bench process / host process (soft, hard) | {limits} / {hostLimits} |");
        if (openError is not null)
        {
            report.AppendLine($"| first failure while opening | {openError} |");
        }

        report.AppendLine();
        report.AppendLine($"## Latency at {EventsPerSecond} events/s for {seconds} s\n");
        report.AppendLine($"All events go to one company with {HotConnections} of the connections (so {EventsPerSecond * HotConnections} messages/s leave the host); " +
            "the other connections stay open and get heartbeats. Latency is from the writer calling COMMIT to a client reading the event's `data:` line.\n");
        report.AppendLine("| path | samples | p50 ms | p95 ms | p99 ms | max ms |\n|---|---|---|---|---|---|");
        report.AppendLine(Row("baseline: bare LISTEN/NOTIFY round trip (one listener)", baseline));
        report.AppendLine(Row($"SSE: commit → event on each of {HotConnections} clients", sse.Latencies));
        report.AppendLine();
        var p50Ratio = Stats.Percentile(sse.Latencies, 50) / Stats.Percentile(baseline, 50);
        report.AppendLine($"SSE p50 is {Stats.F(p50Ratio, 1)}× the bare NOTIFY round trip. Events written: {sse.Written}; " +
            $"expected receipts {sse.Written * HotConnections}, got {sse.Latencies.Count}; " +
            $"host counters: sent {statsEnd.GetProperty("eventsSent").GetInt64()}, dropped {statsEnd.GetProperty("eventsDropped").GetInt64()}.");
        report.AppendLine();
        report.AppendLine($"Machine load average at the end (1/5/15 min): {string.Join(" / ", load)} on {Environment.ProcessorCount} cores — " +
            "other builds and tests shared the machine, which shows in the tails of both rows.");
        report.AppendLine();
        report.AppendLine("The host runs as a separate process (`dotnet src/Stream.Host/bin/<config>/net10.0/Impact.Stream.Host.dll`, " +
            "server GC as shipped, log level Warning); the clients and the writer run in the bench process on the same 2-core machine, " +
            "so the client side competes with the host for CPU. `ulimit -n` cannot be raised from inside a process; the .NET runtime " +
            "raises its soft open-files limit to the hard limit at start-up, so the hard limit (`ulimit -Hn`) is the ceiling: " +
            "each process holds one socket per connection (the host one per client, the bench one per connection it opened).");
        return report.ToString();
    }

    private static string Row(string name, List<double> sorted) =>
        $"| {name} | {sorted.Count} | {Stats.F(Stats.Percentile(sorted, 50))} | {Stats.F(Stats.Percentile(sorted, 95))} | " +
        $"{Stats.F(Stats.Percentile(sorted, 99))} | {Stats.F(sorted.Count > 0 ? sorted[^1] : double.NaN)} |";

    private static async Task<(List<double> Latencies, int Written)> MeasureSseAsync(TestDatabase db, Guid company, int seconds, ReceiptLog receipts)
    {
        var committed = new Dictionary<Guid, long>();
        var total = EventsPerSecond * seconds;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(1000.0 / EventsPerSecond));
        await using var conn = await db.DataSource.OpenConnectionAsync();
        for (var i = 0; i < total; i++)
        {
            await timer.WaitForNextTickAsync();
            await using var tx = await conn.BeginTransactionAsync();
            var row = await EventLog.AppendAsync(conn, tx, EventTypes.SessionCompleted, company, new { sequence = i });
            // The stream's id is the event's UUID, not the row id.
            Guid id;
            await using (var lookup = new NpgsqlCommand("SELECT event_id FROM impact.events WHERE id = @row", conn, tx))
            {
                lookup.Parameters.AddWithValue("row", row);
                id = (Guid)(await lookup.ExecuteScalarAsync())!;
            }

            var start = Stopwatch.GetTimestamp();
            await tx.CommitAsync();
            committed[id] = start;
        }

        // Give the last events time to arrive.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (receipts.Count < total * HotConnections && DateTime.UtcNow < deadline)
        {
            await Task.Delay(100);
        }

        var latencies = receipts.Snapshot()
            .Where(r => committed.ContainsKey(r.Id))
            .Select(r => Stats.Ms(r.Timestamp - committed[r.Id]))
            .Order()
            .ToList();
        return (latencies, total);
    }

    private static async Task<List<double>> MeasureListenNotifyAsync(string connectionString, int seconds)
    {
        var total = EventsPerSecond * seconds;
        var sent = new long[total];
        var latencies = new List<double>(total);
        await using var listener = new NpgsqlConnection(connectionString);
        await listener.OpenAsync();
        listener.Notification += (_, e) =>
        {
            var i = int.Parse(e.Payload, CultureInfo.InvariantCulture);
            latencies.Add(Stats.Ms(Stopwatch.GetTimestamp() - sent[i]));
        };
        await using (var listen = new NpgsqlCommand("LISTEN bench_baseline", listener))
        {
            await listen.ExecuteNonQueryAsync();
        }

        using var stop = new CancellationTokenSource();
        var waiting = Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await listener.WaitAsync(stop.Token);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        });

        await using var notifier = new NpgsqlConnection(connectionString);
        await notifier.OpenAsync();
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(1000.0 / EventsPerSecond));
        for (var i = 0; i < total; i++)
        {
            await timer.WaitForNextTickAsync();
            await using var notify = new NpgsqlCommand("SELECT pg_notify('bench_baseline', @i)", notifier);
            notify.Parameters.AddWithValue("i", i.ToString(CultureInfo.InvariantCulture));
            sent[i] = Stopwatch.GetTimestamp(); // autocommit: the statement's commit starts now
            await notify.ExecuteNonQueryAsync();
        }

        await Task.Delay(500);
        await stop.CancelAsync();
        await waiting;
        latencies.Sort();
        return latencies;
    }

    private static async Task<Stream> OpenAsync(HttpClient http, Guid company, CancellationToken ct)
    {
        var token = LocalTokens.Create(Jwt, LocalCaller.Company(company), DateTimeOffset.UtcNow, TimeSpan.FromHours(1));
        var request = new HttpRequestMessage(HttpMethod.Get, "/v1/stream/updates");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        if (response.StatusCode != HttpStatusCode.OK)
        {
            throw new HttpRequestException($"status {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync(ct)}");
        }

        return await response.Content.ReadAsStreamAsync(ct);
    }

    /// <summary>Idle connections only drain the stream; hot ones note when each event's data line arrives.</summary>
    private static async Task ReadAsync(Stream body, ReceiptLog? receipts, CancellationToken ct)
    {
        try
        {
            if (receipts is null)
            {
                var buffer = new byte[256];
                while (await body.ReadAsync(buffer, ct) > 0)
                {
                }

                return;
            }

            using var reader = new StreamReader(body);
            var id = Guid.Empty;
            while (await reader.ReadLineAsync(ct) is { } line)
            {
                if (line.StartsWith("id: ", StringComparison.Ordinal))
                {
                    id = Guid.TryParse(line.AsSpan(4), out var parsed) ? parsed : Guid.Empty;
                }
                else if (line.StartsWith("data: ", StringComparison.Ordinal))
                {
                    receipts.Add(id, Stopwatch.GetTimestamp());
                }
            }
        }
        catch (Exception e) when (e is OperationCanceledException or IOException or HttpRequestException)
        {
        }
        finally
        {
            await body.DisposeAsync();
        }
    }

    private static Process StartHost(string connectionString, int port)
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}", StringComparison.Ordinal) ? "Release" : "Debug";
        var dll = Path.Combine(LocalServices.RepositoryRoot, "src", "Stream.Host", "bin", configuration, "net10.0", "Impact.Stream.Host.dll");
        var psi = new ProcessStartInfo("dotnet", [dll])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            Environment =
            {
                ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}",
                ["ASPNETCORE_ENVIRONMENT"] = "Production",
                ["Postgres__ConnectionString"] = connectionString,
                ["Jwt__SigningKey"] = Jwt.SigningKey,
                ["Jwt__Issuer"] = Jwt.Issuer,
                ["Jwt__Audience"] = Jwt.Audience,
                ["Logging__LogLevel__Default"] = "Warning",
            },
        };
        var process = Process.Start(psi) ?? throw new InvalidOperationException("could not start the SSE host");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                Console.Error.WriteLine("[host] " + e.Data);
            }
        };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static async Task WaitHealthyAsync(HttpClient http)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            try
            {
                using var response = await http.GetAsync("/health");
                if (response.IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("the SSE host did not become healthy within 60 s");
            }

            await Task.Delay(200);
        }
    }

    private static async Task<JsonElement> StatsAsync(HttpClient http)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/stream/stats");
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer",
            LocalTokens.Create(Jwt, LocalCaller.Operator(), DateTimeOffset.UtcNow, TimeSpan.FromHours(1)));
        using var response = await http.SendAsync(request);
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
    }

    private static long RssKb(int pid) =>
        File.ReadLines($"/proc/{pid}/status").Where(l => l.StartsWith("VmRSS:", StringComparison.Ordinal))
            .Select(l => long.Parse(l.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture))
            .Single();

    private static string OpenFilesLimit(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/limits").Single(l => l.StartsWith("Max open files", StringComparison.Ordinal));
        var parts = line["Max open files".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return $"{parts[0]}, {parts[1]}";
    }

    private static int FreePort()
    {
        using var socket = new TcpListener(IPAddress.Loopback, 0);
        socket.Start();
        return ((IPEndPoint)socket.LocalEndpoint).Port;
    }

    private sealed class ReceiptLog
    {
        private readonly List<(Guid Id, long Timestamp)> items = [];
        private readonly Lock gate = new();

        public int Count
        {
            get
            {
                lock (gate)
                {
                    return items.Count;
                }
            }
        }

        public void Add(Guid id, long timestamp)
        {
            lock (gate)
            {
                items.Add((id, timestamp));
            }
        }

        public List<(Guid Id, long Timestamp)> Snapshot()
        {
            lock (gate)
            {
                return [.. items];
            }
        }
    }
}
