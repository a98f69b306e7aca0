using System.Diagnostics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Azure.Storage.Queues;
using Dapper;
using Impact.Ingest;
using Impact.Ingest.Webhooks;
using Impact.Shared.Webhooks;
using Impact.TestSupport;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Impact.Bench;

/// <summary>
/// Signature verification cost per request (baseline: one bare HMAC-SHA256 of the same bytes), and the
/// webhook path's throughput in process — function method → PostgreSQL → Azurite queue — with 32
/// concurrent callers (baseline: a bare INSERT + enqueue of the same rows, same concurrency).
/// </summary>
public sealed class WebhookScenario : IScenario
{
    private const string Secret = "bench-kintell-secret";
    private const int Callers = 32;

    public string Name => "webhooks";

    public async Task<string> RunAsync(string[] args)
    {
        var requests = args.Length > 0 ? int.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture) : 4000;
        var report = new StringBuilder();
        report.AppendLine(SignatureCost());
        report.AppendLine(await Throughput(requests));
        return report.ToString();
    }

    private static string SignatureCost()
    {
        const int n = 200_000;
        var key = WebhookSignature.KeyOf(Secret);
        var keys = new[] { WebhookSignature.KeyOf("rotated-out-secret"), key };
        var body = Payload("sig-1");
        var now = DateTimeOffset.UtcNow;
        var header = WebhookSignature.SignKintell(key, now.ToUnixTimeSeconds(), body);
        var standardId = "msg_bench";
        var standard = WebhookSignature.SignStandard(key, standardId, now.ToUnixTimeSeconds(), body);
        var ts = now.ToUnixTimeSeconds().ToString(System.Globalization.CultureInfo.InvariantCulture);
        var tolerance = TimeSpan.FromSeconds(300);
        var signed = Encoding.UTF8.GetBytes(ts + ".").Concat(body).ToArray();

        double Measure(Action action)
        {
            for (var i = 0; i < 5_000; i++)
            {
                action();
            }

            var sw = Stopwatch.StartNew();
            for (var i = 0; i < n; i++)
            {
                action();
            }

            return sw.Elapsed.TotalNanoseconds / n;
        }

        long Allocated(Action action)
        {
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < 1000; i++)
            {
                action();
            }

            return (GC.GetAllocatedBytesForCurrentThread() - before) / 1000;
        }

        Action baseline = () => HMACSHA256.HashData(key, signed);
        Action kintell = () =>
        {
            if (!WebhookSignature.VerifyKintell("d-1", header, body, keys, now, tolerance).Valid)
            {
                throw new InvalidOperationException("bench signature did not verify");
            }
        };
        Action std = () =>
        {
            if (!WebhookSignature.VerifyStandard(standardId, ts, standard, body, keys, now, tolerance).Valid)
            {
                throw new InvalidOperationException("bench signature did not verify");
            }
        };

        var b = Measure(baseline);
        var k = Measure(kintell);
        var s = Measure(std);
        return $"""
            ## Signature verification ({body.Length}-byte body, 2 active secrets, signed by the second; {n:N0} iterations)

            | what | ns / request | bytes allocated / request | ratio to baseline |
            |---|---:|---:|---:|
            | baseline: one HMAC-SHA256 of the same bytes | {Stats.F(b, 0)} | {Allocated(baseline)} | 1.00 |
            | Kintell scheme (parse header, 2 HMACs, constant-time compare) | {Stats.F(k, 0)} | {Allocated(kintell)} | {Stats.F(k / b)} |
            | Standard Webhooks scheme | {Stats.F(s, 0)} | {Allocated(std)} | {Stats.F(s / b)} |

            Two HMACs are expected: the first (rotated-out) secret does not match. Verification costs
            microseconds; it is not what limits the webhook path.

            """;
    }

    private static async Task<string> Throughput(int requests)
    {
        await using var db = await TestDatabase.CreateAsync();
        var queueName = TestStorage.UniqueName("bench");
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddConfiguration(TestStorage.Configuration(db.ConnectionString, new Dictionary<string, string?>
        {
            ["WebhookQueueName"] = queueName,
            ["Webhooks:Kintell:Secrets"] = Secret,
        }));
        builder.AddFunctionsAppServices();
        using var host = builder.Build();
        await host.StartAsync();
        var function = ActivatorUtilities.CreateInstance<KintellWebhook>(host.Services);
        var queue = host.Services.GetRequiredService<QueueServiceClient>().GetQueueClient(queueName);
        await queue.CreateIfNotExistsAsync();
        var baselineQueue = host.Services.GetRequiredService<QueueServiceClient>().GetQueueClient(queueName + "-base");
        await baselineQueue.CreateIfNotExistsAsync();
        var key = WebhookSignature.KeyOf(Secret);
        var bodies = Enumerable.Range(0, requests * 2).Select(i => Payload($"s-{i}")).ToArray();

        async Task CallFunction(int i)
        {
            var body = bodies[i];
            var context = new DefaultHttpContext();
            context.Request.Method = "POST";
            context.Request.ContentType = "application/json";
            context.Request.ContentLength = body.Length;
            context.Request.Body = new MemoryStream(body);
            context.Request.Headers[WebhookSignature.KintellHeader] = WebhookSignature.SignKintell(key, DateTimeOffset.UtcNow.ToUnixTimeSeconds(), body);
            context.Request.Headers[WebhookSignature.KintellDeliveryIdHeader] = $"bench-{i}";
            context.Response.Body = new MemoryStream();
            var result = await function.ReceiveKintellWebhook(context.Request, "session-completed", CancellationToken.None);
            await result.ExecuteResultAsync(new ActionContext { HttpContext = context });
            if (context.Response.StatusCode != 202)
            {
                throw new InvalidOperationException($"request {i} answered {context.Response.StatusCode}");
            }
        }

        async Task Baseline(int i)
        {
            var body = bodies[requests + i];
            var hash = Convert.ToHexStringLower(SHA256.HashData(body));
            await using (var conn = await db.DataSource.OpenConnectionAsync())
            {
                await conn.ExecuteAsync(
                    """
                    INSERT INTO impact.webhook_deliveries (source, delivery_id, event_type, payload_hash, payload)
                    VALUES ('baseline', @id, 'session-completed', @hash, @json::jsonb)
                    """,
                    new { id = $"base-{i}", hash, json = Encoding.UTF8.GetString(body) });
            }

            await baselineQueue.SendMessageAsync(JsonSerializer.Serialize(new WebhookMessage("baseline", $"base-{i}")));
        }

        // Warm both paths (connections, JIT), then measure them alternately in the same run.
        await Stats.RunConcurrentAsync(Callers, 200, i => CallFunction(requests + requests - 1 - i));
        await Stats.RunConcurrentAsync(Callers, 200, i => Baseline(requests - 1 - i));
        await using (var conn = await db.DataSource.OpenConnectionAsync())
        {
            await conn.ExecuteAsync("DELETE FROM impact.webhook_deliveries");
        }

        var measured = requests - 200;
        var (fnLat, fnSec) = await Stats.RunConcurrentAsync(Callers, measured, CallFunction);
        var (baseLat, baseSec) = await Stats.RunConcurrentAsync(Callers, measured, Baseline);
        var fnRate = measured / fnSec;
        var baseRate = measured / baseSec;
        var queued = (await queue.GetPropertiesAsync()).Value.ApproximateMessagesCount;
        await queue.DeleteAsync();
        await baselineQueue.DeleteAsync();
        await host.StopAsync();

        return $"""
            ## Webhook path in process, {Callers} concurrent callers, {measured:N0} requests per path

            Function: `KintellWebhook.ReceiveKintellWebhook` with a real `DefaultHttpContext` — size and content-type
            checks, signature, payload validation, SHA-256, INSERT … ON CONFLICT into PostgreSQL (as `queued`), message
            to the Azurite queue. Baseline: the bare INSERT of the same row + the same enqueue. No processing runs beside
            it; `webhooks-e2e` measures receive and processing together.
            PostgreSQL runs with fsync off (test cluster) and Azurite in memory, on the same 2 cores as the callers.

            | path | requests/s | p50 ms | p95 ms | ratio (req/s) to baseline |
            |---|---:|---:|---:|---:|
            | baseline: INSERT + enqueue | {Stats.F(baseRate, 0)} | {Stats.F(Stats.Percentile(baseLat, 50))} | {Stats.F(Stats.Percentile(baseLat, 95))} | 1.00 |
            | webhook function | {Stats.F(fnRate, 0)} | {Stats.F(Stats.Percentile(fnLat, 50))} | {Stats.F(Stats.Percentile(fnLat, 95))} | {Stats.F(fnRate / baseRate)} |

            Messages on the function's queue at the end: {queued:N0} (expected {measured + 200:N0}: every accepted request queued once).

            """;
    }

    private static byte[] Payload(string sessionId) => JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object?>
    {
        ["session_id"] = sessionId,
        ["session_type"] = "language",
        ["participant_email"] = $"p-{sessionId}@example.org",
        ["volunteer_email"] = "volunteer@acme.example",
        ["scheduled_at"] = "2026-11-01T10:00:00Z",
        ["completed_at"] = "2026-11-01T10:45:00Z",
        ["duration_minutes"] = 45,
        ["topics"] = new[] { "job interview", "grammar", "pronunciation" },
        ["language_level"] = "B1",
        ["notes"] = new string('x', 600),
    });
}
