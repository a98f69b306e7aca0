using System.Diagnostics;
using System.Text;

namespace Impact.Bench;

/// <summary>
/// Webhooks end to end: 32 concurrent callers of <c>KintellWebhook.ReceiveKintellWebhook</c> while the queue
/// trigger (<c>WebhookQueueTriggers.ProcessWebhook</c> → <c>WebhookQueueWorker</c>) is fed from the real Azurite
/// queue by a host-like listener (<see cref="HostQueueListener"/>, settings from host.json) and the outbox timer
/// runs — versus the bare operations the same deliveries need (INSERT + enqueue, receive, the processing
/// transaction in two round trips, delete), with raw Npgsql and QueueClient calls, also running together.
/// Throughput is deliveries per second from the first request to the last delivery processed. Rounds alternate
/// bare/app so both meet the same machine load; the database check at the end counts rows and events.
/// </summary>
public sealed class WebhookEndToEndScenario : IScenario
{
    private const int Callers = 32;
    private static long deferred;

    public string Name => "webhooks-e2e";

    public async Task<string> RunAsync(string[] args)
    {
        var perRound = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 1500;
        const int rounds = 3;
        var warmup = Math.Min(300, perRound / 2);
        var profile = Math.Min(500, perRound / 2);
        await using var load = await WebhookLoad.StartAsync();
        var report = new StringBuilder();
        var uptimeBefore = Uptime();

        long appNext = 0, bareNext = 0;
        // Warm both (JIT, pools, queues), unmeasured.
        await RunAppAsync(load, appNext, warmup);
        appNext += warmup;
        await RunBareAsync(load, bareNext, warmup);
        bareNext += warmup;

        var app = new List<Run>();
        var bare = new List<Run>();
        for (var r = 0; r < rounds; r++)
        {
            bare.Add(await RunBareAsync(load, bareNext, perRound));
            bareNext += perRound;
            app.Add(await RunAppAsync(load, appNext, perRound));
            appNext += perRound;
        }

        // Where the time goes, on a short separate pass with counters on (they cost a little themselves).
        var appProfile = await ProfileAsync(load, appNext, profile, app: true);
        appNext += profile;
        var bareProfile = await ProfileAsync(load, bareNext, profile, app: false);
        bareNext += profile;

        var appCheck = await load.CheckAsync("kintell", "s", appNext, load.Queue, load.Poison);
        var bareCheck = await load.CheckAsync("bare", "b", bareNext, load.BareQueue, load.BarePoison);
        var uptimeAfter = Uptime();

        var a = Run.Combine(app);
        var b = Run.Combine(bare);
        var listener = load.Listener();
        report.AppendLine($"""
            ## Webhooks end to end: receive + processing together, {Callers} callers, {rounds} alternating rounds of {perRound:N0} deliveries per path

            Machine load: `{uptimeBefore}` before, `{uptimeAfter}` after (2 cores shared with other work; compare the ratios).

            App: `KintellWebhook.ReceiveKintellWebhook` with a real `DefaultHttpContext` (size, content type, signature,
            payload validation, SHA-256, the outbox row, the queue message) while `WebhookQueueTriggers.ProcessWebhook`
            is fed from the Azurite queue by a host-like listener ({listener.Describe()}; from host.json) and the outbox
            timer runs every 30 s. Bare: the same INSERT (as `queued`) + the same message; the same listener loop over its
            own queue running the same rows' writes in one transaction of two round trips (lock + mark processed
            returning the payload; people, session, event, `pg_notify`, COMMIT in one batch) + the delete.
            Throughput: deliveries from the first request until the last one is processed, per second.

            | path | deliveries/s end to end | receive req/s | receive p50 ms | receive p95 ms | processed behind the last 202, s | ratio (deliveries/s) | ratio (receive p95) |
            |---|---:|---:|---:|---:|---:|---:|---:|
            {b.Row("bare: INSERT + enqueue, receive + 2-round-trip transaction + delete", b)}
            {a.Row("webhook function + queue worker", b)}

            Per round (deliveries/s end to end, receive p95 ms): bare {string.Join(", ", bare.Select(x => $"{Stats.F(x.Rate, 0)} / {Stats.F(x.P95, 0)}"))};
            app {string.Join(", ", app.Select(x => $"{Stats.F(x.Rate, 0)} / {Stats.F(x.P95, 0)}"))}.

            Targets: deliveries/s ≥ 0.7× the bare — **{(a.Rate / b.Rate >= 0.7 ? "met" : "NOT met")}** ({Stats.F(a.Rate / b.Rate)}×);
            receive p95 < 2× the bare's — **{(a.P95 / b.P95 < 2 ? "met" : "NOT met")}** ({Stats.F(a.P95 / b.P95)}×).

            App deliveries answered 503 (stored; the queue send timed out, so the outbox timer sent them): {Interlocked.Read(ref deferred):N0};
            bare sends retried after a storage timeout: {load.BareSendRetries:N0}.

            ### Where it goes (a separate pass of {profile:N0} deliveries per path with counters on)

            | path | SQL commands / delivery | storage requests / delivery | CPU ms / delivery: bench process | PostgreSQL | Azurite |
            |---|---:|---:|---:|---:|---:|
            {bareProfile.Row("bare")}
            {appProfile.Row("app")}

            SQL commands are Npgsql commands and batches sent (COMMIT of an `NpgsqlTransaction` not counted); storage requests are
            HTTP requests to Azurite (sends, receives incl. empty polls, deletes, the sweeper's). CPU from /proc over the pass.

            ### Database check (all rounds, warm-up and profile passes included)

            {DeliveryCheck.Header}
            {bareCheck.Row("bare")}
            {appCheck.Row("app")}

            """);
        return report.ToString();
    }

    internal static string Uptime()
    {
        try
        {
            var parts = File.ReadAllText("/proc/loadavg").Split(' ');
            return $"load average {parts[0]}, {parts[1]}, {parts[2]}";
        }
        catch (IOException)
        {
            return "load average unknown";
        }
    }

    private static async Task<Run> RunAppAsync(WebhookLoad load, long first, int count)
    {
        using var stop = new CancellationTokenSource();
        var listener = load.Listener();
        var listening = listener.RunAsync(stop.Token);
        var sweeping = load.RunSweeperAsync(stop.Token);
        var wall = Stopwatch.StartNew();
        var (lat, recvSec) = await Stats.RunConcurrentAsync(Callers, count, async i =>
        {
            var status = await load.ReceiveAsync(first + i);
            if (status == 503)
            {
                // Stored; the queue did not answer in time: the outbox timer sends it (and the wait below includes that).
                Interlocked.Increment(ref deferred);
            }
            else if (status != 202)
            {
                throw new InvalidOperationException($"delivery {first + i} answered {status}");
            }
        });
        await load.WaitProcessedAsync("kintell", first + count + 0, TimeSpan.FromMinutes(10));
        wall.Stop();
        await stop.CancelAsync();
        await Task.WhenAll(listening, sweeping);
        return new Run(count, wall.Elapsed.TotalSeconds, recvSec, lat);
    }

    private static async Task<Run> RunBareAsync(WebhookLoad load, long first, int count)
    {
        using var stop = new CancellationTokenSource();
        var listening = load.BareListener().RunAsync(stop.Token);
        var wall = Stopwatch.StartNew();
        var (lat, recvSec) = await Stats.RunConcurrentAsync(Callers, count, i => load.BareReceiveAsync(first + i));
        await load.WaitProcessedAsync("bare", first + count, TimeSpan.FromMinutes(10));
        wall.Stop();
        await stop.CancelAsync();
        await listening;
        return new Run(count, wall.Elapsed.TotalSeconds, recvSec, lat);
    }

    private static async Task<Profile> ProfileAsync(WebhookLoad load, long first, int count, bool app)
    {
        using var sql = new CommandCounter();
        using var http = new HttpCounter();
        var cpu = CpuSampler.Now();
        _ = app ? await RunAppAsync(load, first, count) : await RunBareAsync(load, first, count);
        var used = CpuSampler.Now() - cpu;
        return new Profile((double)sql.Count / count, (double)http.Count / count,
            used.Bench * 1000 / count, used.Postgres * 1000 / count, used.Azurite * 1000 / count);
    }

    private sealed record Run(int Count, double Seconds, double ReceiveSeconds, List<double> Latencies)
    {
        public double Rate => Count / Seconds;

        public double ReceiveRate => Count / ReceiveSeconds;

        public double P50 => Stats.Percentile(Latencies, 50);

        public double P95 => Stats.Percentile(Latencies, 95);

        public static Run Combine(IReadOnlyList<Run> runs)
        {
            var all = runs.SelectMany(r => r.Latencies).Order().ToList();
            return new Run(runs.Sum(r => r.Count), runs.Sum(r => r.Seconds), runs.Sum(r => r.ReceiveSeconds), all);
        }

        public string Row(string name, Run baseline) =>
            $"| {name} | {Stats.F(Rate, 0)} | {Stats.F(ReceiveRate, 0)} | {Stats.F(P50)} | {Stats.F(P95)} | {Stats.F(Seconds - ReceiveSeconds)} | " +
            $"{Stats.F(Rate / baseline.Rate)} | {Stats.F(P95 / baseline.P95)} |";
    }

    private sealed record Profile(double Sql, double Storage, double BenchMs, double PostgresMs, double AzuriteMs)
    {
        public string Row(string name) =>
            $"| {name} | {Stats.F(Sql, 1)} | {Stats.F(Storage, 1)} | {Stats.F(BenchMs)} | {Stats.F(PostgresMs)} | {Stats.F(AzuriteMs)} |";
    }
}
