using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Impact.Bench;

/// <summary>
/// The soak: signed Kintell webhooks at a fixed rate (open loop: requests start on schedule whatever the answers
/// take), a share of them exact re-sends of earlier deliveries (same id, same body: must answer 200 and change
/// nothing), through the receive function while the queue trigger runs from the Azurite queue (host-like
/// listener) and the outbox timer every 30 s — for <c>--minutes N</c> (default 30). Each minute: requests/s,
/// receive p50/p95, processed/s, the queue backlog, working set and managed heap (after a full collection, so it
/// is what is retained). At the end the database check: every distinct delivery stored, processed, one session
/// and one event, exactly once; nothing lost, nothing duplicated.
/// </summary>
public sealed class SoakScenario : IScenario
{
    private const int MaxInFlight = 256;

    public string Name => "soak";

    public async Task<string> RunAsync(string[] args)
    {
        var minutes = Arg(args, "--minutes", 30);
        var rate = Arg(args, "--rate", 25);
        var duplicatePercent = Arg(args, "--duplicates", 10);
        var uptimeBefore = WebhookEndToEndScenario.Uptime();
        await using var load = await WebhookLoad.StartAsync();
        using var stop = new CancellationTokenSource();
        var listener = load.Listener();
        var listening = listener.RunAsync(stop.Token);
        var sweeping = load.RunSweeperAsync(stop.Token);

        var answered = new long[16_384];
        long answeredCount = 0;
        long nextDelivery = 0;
        long sent = 0, duplicatesSent = 0, errors = 0, wrongStatus = 0, skipped = 0, deferred = 0;
        var inFlight = 0;
        var minuteLatencies = new List<double>();
        var gate = new Lock();
        var random = new Random(12);
        var rows = new List<string>();
        var memory = new List<(double WorkingSetMb, double HeapMb)>();
        string? firstError = null;

        async Task OneAsync(long delivery, bool duplicate)
        {
            var start = Stopwatch.GetTimestamp();
            try
            {
                var status = await load.ReceiveAsync(delivery);
                if (status == 503 && !duplicate)
                {
                    // Stored, the queue did not answer: the outbox sweeper sends it (the check below insists it is processed).
                    Interlocked.Increment(ref deferred);
                }
                else if (status != (duplicate ? 200 : 202))
                {
                    Interlocked.Increment(ref wrongStatus);
                }
                else if (!duplicate)
                {
                    var slot = Interlocked.Increment(ref answeredCount) - 1;
                    Volatile.Write(ref answered[slot % answered.Length], delivery);
                }
            }
            catch (Exception e)
            {
                Interlocked.Increment(ref errors);
                Interlocked.CompareExchange(ref firstError, e.GetType().Name + ": " + e.Message, null);
            }
            finally
            {
                var ms = Stats.Ms(Stopwatch.GetTimestamp() - start);
                lock (gate)
                {
                    minuteLatencies.Add(ms);
                }

                Interlocked.Decrement(ref inFlight);
            }
        }

        var clock = Stopwatch.StartNew();
        var running = new List<Task>();
        var cpuStart = CpuSampler.Now();
        long processedBefore = 0;
        long sentBefore = 0;
        for (var minute = 1; minute <= minutes; minute++)
        {
            var minuteEnd = TimeSpan.FromMinutes(minute);
            while (clock.Elapsed < minuteEnd)
            {
                var due = (long)(clock.Elapsed.TotalSeconds * rate);
                while (Interlocked.Read(ref sent) + Interlocked.Read(ref skipped) < due)
                {
                    if (Volatile.Read(ref inFlight) >= MaxInFlight)
                    {
                        // The app is this far behind: the request is not sent (counted), the schedule goes on.
                        Interlocked.Increment(ref skipped);
                        continue;
                    }

                    var known = Interlocked.Read(ref answeredCount);
                    var duplicate = known > 0 && random.Next(100) < duplicatePercent;
                    var delivery = duplicate
                        ? Volatile.Read(ref answered[random.NextInt64(Math.Max(0, known - answered.Length), known) % answered.Length])
                        : nextDelivery++;
                    if (duplicate)
                    {
                        duplicatesSent++;
                    }

                    Interlocked.Increment(ref sent);
                    Interlocked.Increment(ref inFlight);
                    running.Add(OneAsync(delivery, duplicate));
                }

                running.RemoveAll(t => t.IsCompleted);
                await Task.Delay(10);
            }

            List<double> lat;
            lock (gate)
            {
                lat = minuteLatencies;
                minuteLatencies = new List<double>(lat.Count);
            }

            lat.Sort();
            var processed = await load.ProcessedAsync("kintell");
            int? backlog = null;
            try
            {
                backlog = (await load.Queue.GetPropertiesAsync()).Value.ApproximateMessagesCount;
            }
            catch (Exception e) when (e is Azure.RequestFailedException or AggregateException or HttpRequestException or TimeoutException)
            {
                // An overloaded Azurite did not answer in time: the minute's backlog is unknown.
            }

            var heap = GC.GetTotalMemory(forceFullCollection: true) / 1048576.0;
            using var self = Process.GetCurrentProcess();
            var ws = self.WorkingSet64 / 1048576.0;
            memory.Add((ws, heap));
            var sentNow = Interlocked.Read(ref sent);
            rows.Add($"| {minute} | {Stats.F((sentNow - sentBefore) / 60.0, 1)} | {Stats.F(Stats.Percentile(lat, 50))} | {Stats.F(Stats.Percentile(lat, 95))} | " +
                     $"{Stats.F((processed - processedBefore) / 60.0, 1)} | {backlog?.ToString("N0", CultureInfo.InvariantCulture) ?? "n/a"} | {Stats.F(ws, 1)} | {Stats.F(heap, 1)} | {WebhookEndToEndScenario.Uptime()["load average ".Length..]} |");
            Console.WriteLine($"soak minute {minute}: {rows[^1]}");
            processedBefore = processed;
            sentBefore = sentNow;
        }

        await Task.WhenAll(running);
        var distinct = nextDelivery;
        var drain = Stopwatch.StartNew();
        var drained = await load.TryWaitProcessedAsync("kintell", distinct, TimeSpan.FromMinutes(DrainMinutes(args)));
        drain.Stop();
        await stop.CancelAsync();
        await Task.WhenAll(listening, sweeping);
        var cpu = CpuSampler.Now() - cpuStart;
        var check = await load.CheckAsync("kintell", "s", distinct, load.Queue, load.Poison);
        var uptimeAfter = WebhookEndToEndScenario.Uptime();

        var from = Math.Min(5, Math.Max(1, minutes / 2));
        var growthWs = (memory[^1].WorkingSetMb - memory[from - 1].WorkingSetMb) / memory[from - 1].WorkingSetMb;
        var growthHeap = (memory[^1].HeapMb - memory[from - 1].HeapMb) / memory[from - 1].HeapMb;
        var ok = check.Ok && errors == 0 && wrongStatus == 0;
        var report = new StringBuilder();
        report.AppendLine($"""
            ## Soak: {minutes} minutes at {rate} requests/s ({duplicatePercent} % exact re-sends), receive + processing together

            Machine load: `{uptimeBefore}` before, `{uptimeAfter}` after (2 cores shared with other work).

            `KintellWebhook.ReceiveKintellWebhook` with real `DefaultHttpContext`s and signed bodies, open loop at a fixed
            rate (at most {MaxInFlight} in flight; a request that would exceed it is skipped and counted), while
            `WebhookQueueTriggers.ProcessWebhook` runs from the Azurite queue under a host-like listener
            ({listener.Describe()}) and the outbox timer every 30 s. Memory is this process's (the app and the load
            generator share it): working set, and the managed heap after a full collection.

            | minute | requests/s | receive p50 ms | receive p95 ms | processed/s | queue backlog | working set MB | managed heap MB | load average |
            |---:|---:|---:|---:|---:|---:|---:|---:|---|
            {string.Join("\n", rows)}

            Requests sent {Interlocked.Read(ref sent):N0} ({duplicatesSent:N0} re-sends of {distinct:N0} distinct deliveries); skipped for
            {MaxInFlight} in flight: {skipped:N0}; errors: {errors:N0}{(firstError is null ? "" : $" (first: {firstError})")}; wrong status
            (a new delivery not 202 or 503, a re-send not 200): {wrongStatus:N0}; 503 "queue unavailable, stored" (left to the outbox
            sweeper): {deferred:N0}. Failed storage calls of the listener (polls, deletes; retried as the host does): {listener.StorageErrors:N0}. After the last request the backlog {(drained ? "drained" : "had **not** drained")} in {Stats.F(drain.Elapsed.TotalSeconds, 1)} s.
            CPU over the run: bench process (app + load generator) {Stats.F(cpu.Bench, 0)} s, PostgreSQL {Stats.F(cpu.Postgres, 0)} s,
            Azurite {Stats.F(cpu.Azurite, 0)} s.

            Memory growth from minute {from} to minute {minutes}: working set {Stats.F(growthWs * 100, 1)} %, managed heap
            {Stats.F(growthHeap * 100, 1)} % — target < 10 %: **{(Math.Max(growthWs, growthHeap) < 0.10 ? "met" : "NOT met")}**.

            ### Database check

            {DeliveryCheck.Header}
            {check.Row("app")}

            Every delivery exactly once, no error, every answer right: **{(ok ? "yes" : "NO")}**.

            """);
        return report.ToString();
    }

    private static int DrainMinutes(string[] args) => Arg(args, "--drain-minutes", 20);

    private static int Arg(string[] args, string name, int fallback)
    {
        var i = Array.IndexOf(args, name);
        return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
    }
}
