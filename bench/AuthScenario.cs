using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dapper;
using Impact.Ingest;
using Impact.Ingest.Http;
using Impact.Ingest.Webhooks;
using Impact.Shared.Http;
using Impact.Shared.Security;
using Impact.Shared.Webhooks;
using Impact.TestSupport;
using Impact.TestSupport.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Impact.Bench;

/// <summary>
/// What bearer-token access costs. Per call (baseline: verifying one HMAC-SHA256 of a webhook-sized body):
/// HS256 and RS256 validation through <see cref="BearerTokens"/> (RS256 against a real local OpenID
/// authority, keys cached after the first call) and the whole <see cref="ApiAccess"/> step. Then an admin
/// GET (<c>GET /v1/webhooks/dlq</c>) through the app's own DI over PostgreSQL with 32 concurrent callers,
/// without the access step (before) and with it (after).
/// </summary>
public sealed class AuthScenario : IScenario
{
    private const int Callers = 32;
    private const int Rounds = 10;
    private const int PerRound = 3_000;
    private const int Warmup = 2_000;

    public string Name => "auth";

    public async Task<string> RunAsync(string[] args)
    {
        var requests = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 3_000;
        var report = new StringBuilder();
        report.AppendLine(Machine());
        await using var authority = await LocalIdentityProvider.StartAsync();
        report.AppendLine(await PerCallCost(authority));
        report.AppendLine(await AdminThroughput(authority, requests));
        report.AppendLine($"Load average at the end of the run: {LoadAverage()}.");
        return report.ToString();
    }

    private static string Machine()
    {
        var cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? "unknown";
        return $"""
            Machine: {Environment.ProcessorCount} cores (nproc), CPU `{cpu}`; load average at the start: {LoadAverage()}.
            The cores are shared with other work (test runs of other engineers), so the numbers are noisy:
            the subjects are measured interleaved, round by round, so that load falls on all of them alike.

            """;
    }

    private static string LoadAverage() => string.Join(' ', File.ReadAllText("/proc/loadavg").Split(' ').Take(3));

    private static async Task<string> PerCallCost(LocalIdentityProvider authority)
    {
        // (a) The baseline: the webhook body's HMAC-SHA256, checked in constant time against its signature.
        var key = WebhookSignature.KeyOf("bench-kintell-secret");
        var body = Payload();
        var ts = DateTimeOffset.UtcNow.ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture);
        var signed = Encoding.UTF8.GetBytes(ts + ".").Concat(body).ToArray();
        var expected = HMACSHA256.HashData(key, signed);
        var kintellHeader = WebhookSignature.SignKintell(key, long.Parse(ts, CultureInfo.InvariantCulture), body);
        var keys = new[] { key };
        var now = DateTimeOffset.UtcNow;

        // (b) HS256 with the local key; (c) RS256 with the authority's JWKS.
        var company = Guid.NewGuid();
        var claims = new TokenClaims("bench-operator", company, [Roles.Operator, Roles.CompanyAdmin], "Bench Operator");
        var hs = new BearerTokens(Options.Create(TestTokens.Local));
        var hsBearer = TestTokens.Bearer(TestTokens.LocalToken(claims));
        var rs = new BearerTokens(Options.Create(new JwtOptions { Authority = authority.Authority, Audience = TestTokens.Local.Audience }));
        var rsBearer = TestTokens.Bearer(authority.Token(TestTokens.Local.Audience, claims));

        // (d) The whole access step of an admin function, with its declared policy; (e) the webhook's policy.
        var policy = FunctionPolicies.ForEntryPoint(typeof(WebhookDeadLetters).FullName + "." + nameof(WebhookDeadLetters.ListDeadLetters));
        var webhookPolicy = FunctionPolicies.ForEntryPoint(typeof(KintellWebhook).FullName + "." + nameof(KintellWebhook.ReceiveKintellWebhook));
        var hsAccess = new ApiAccess(hs);
        var rsAccess = new ApiAccess(rs);
        var hsHttp = new DefaultHttpContext();
        hsHttp.Request.Headers.Authorization = hsBearer;
        var rsHttp = new DefaultHttpContext();
        rsHttp.Request.Headers.Authorization = rsBearer;
        var webhookHttp = new DefaultHttpContext();

        // Each subject once, checked, before anything is timed (this is also the RS256 JWKS fetch).
        if ((await hs.AuthenticateAsync(hsBearer)).Principal != "bench-operator" || (await rs.AuthenticateAsync(rsBearer)).Principal != "bench-operator")
        {
            throw new InvalidOperationException("bench tokens did not validate to their principal");
        }

        await hsAccess.AuthorizeAsync(hsHttp, policy);
        await rsAccess.AuthorizeAsync(rsHttp, policy);
        if (hsHttp.Request.Caller().Principal != "bench-operator" || rsHttp.Request.Caller().Principal != "bench-operator")
        {
            throw new InvalidOperationException("the access step kept no caller");
        }

        var subjects = new (string Name, Func<Task> Call)[]
        {
            ("(a) baseline: HMAC-SHA256 of the body + constant-time compare", () =>
            {
                if (!CryptographicOperations.FixedTimeEquals(HMACSHA256.HashData(key, signed), expected))
                {
                    throw new InvalidOperationException("bench HMAC did not verify");
                }

                return Task.CompletedTask;
            }),
            ("(a') the webhook's whole Kintell signature check (`WebhookSignature.VerifyKintell`, 1 secret)", () =>
                WebhookSignature.VerifyKintell("d-1", kintellHeader, body, keys, now, TimeSpan.FromSeconds(300)).Valid
                    ? Task.CompletedTask
                    : throw new InvalidOperationException("bench signature did not verify")),
            ("(b) HS256 token: `BearerTokens.AuthenticateAsync` (local key)", () => hs.AuthenticateAsync(hsBearer)),
            ("(c) RS256 token: `BearerTokens.AuthenticateAsync` (authority's JWKS, cached)", () => rs.AuthenticateAsync(rsBearer)),
            ("(d) `ApiAccess.AuthorizeAsync`, admin policy (`ListDeadLetters`, Operator), HS256", () => hsAccess.AuthorizeAsync(hsHttp, policy)),
            ("(d') `ApiAccess.AuthorizeAsync`, admin policy, RS256 via the authority", () => rsAccess.AuthorizeAsync(rsHttp, policy)),
            ("(e) `ApiAccess.AuthorizeAsync`, partner-webhook policy (no token; returns at once)", () => hsAccess.AuthorizeAsync(webhookHttp, webhookPolicy)),
        };

        foreach (var (_, call) in subjects)
        {
            Time(call, Warmup);
        }

        var samples = subjects.Select(_ => new List<double>(Rounds * PerRound)).ToArray();
        var allocated = new long[subjects.Length];
        var asynchronous = new int[subjects.Length];
        var wall = Stopwatch.StartNew();
        for (var round = 0; round < Rounds; round++)
        {
            for (var s = 0; s < subjects.Length; s++)
            {
                var (times, bytes, notSync) = Time(subjects[s].Call, PerRound);
                samples[s].AddRange(times);
                allocated[s] += bytes;
                asynchronous[s] += notSync;
            }
        }

        wall.Stop();
        var jwksFetches = authority.KeySetRequests;
        if (jwksFetches != 1)
        {
            throw new InvalidOperationException($"the JWKS was fetched {jwksFetches} times; the keys should have been cached after the first call");
        }

        foreach (var list in samples)
        {
            list.Sort();
        }

        var baseMedian = Stats.Percentile(samples[0], 50);
        var baseMean = samples[0].Average();
        var rows = new StringBuilder();
        for (var s = 0; s < subjects.Length; s++)
        {
            var sorted = samples[s];
            var mean = sorted.Average();
            var median = Stats.Percentile(sorted, 50);
            rows.AppendLine(CultureInfo.InvariantCulture,
                $"| {subjects[s].Name} | {Stats.F(mean)} | {Stats.F(median)} | {Stats.F(Stats.Percentile(sorted, 99))} | {allocated[s] / sorted.Count:N0} | {Stats.F(median / baseMedian)} | {Stats.F(mean / baseMean)} |");
            if (asynchronous[s] > 0)
            {
                throw new InvalidOperationException($"{subjects[s].Name}: {asynchronous[s]} calls did not complete synchronously; their allocations would be miscounted");
            }
        }

        return $"""
            ## Per call ({Rounds} rounds × {PerRound:N0} calls per subject, interleaved, after {Warmup:N0} warm-up calls each; {wall.Elapsed.TotalSeconds:F1} s)

            Body: {body.Length} bytes (a Kintell session webhook). Tokens: {hsBearer.Length - 7} characters (HS256) and
            {rsBearer.Length - 7} characters (RS256, 2048-bit key), claims `sub`, `name`, `roles` (2), `company_id`.
            RS256 keys come from `LocalIdentityProvider` (Kestrel on loopback: OpenID configuration + JWKS);
            JWKS fetches during the whole run: **{jwksFetches}** (the first call, before timing; every timed call used the cached keys).
            Times are per call, taken with `Stopwatch` around each call; allocations are
            `GC.GetAllocatedBytesForCurrentThread` over all calls divided by their number (every call completed synchronously).

            | what | mean µs | median µs | p99 µs | bytes allocated / call | ratio to baseline (median) | ratio to baseline (mean) |
            |---|---:|---:|---:|---:|---:|---:|
            {rows.ToString().TrimEnd()}

            """;
    }

    private static (double[] TimesUs, long Bytes, int NotSynchronous) Time(Func<Task> call, int n)
    {
        var times = new double[n];
        var notSync = 0;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < n; i++)
        {
            var start = Stopwatch.GetTimestamp();
            var task = call();
            if (!task.IsCompleted)
            {
                notSync++;
            }

            task.GetAwaiter().GetResult();
            times[i] = Stats.Ms(Stopwatch.GetTimestamp() - start) * 1000.0;
        }

        return (times, GC.GetAllocatedBytesForCurrentThread() - before, notSync);
    }

    private static async Task<string> AdminThroughput(LocalIdentityProvider authority, int requests)
    {
        await using var db = await TestDatabase.CreateAsync();
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true, EnvironmentName = "Test" });
        builder.Configuration.AddConfiguration(TestStorage.Configuration(db.ConnectionString));
        builder.AddFunctionsAppServices();
        using var host = builder.Build();
        await host.StartAsync();

        // Something for the list to return: 50 dead letters of two event types.
        await using (var conn = await db.DataSource.OpenConnectionAsync())
        {
            await conn.ExecuteAsync(
                """
                INSERT INTO impact.webhook_deliveries (source, delivery_id, event_type, payload_hash, payload, status, attempts, last_error)
                SELECT 'kintell', 'dead-' || i, CASE WHEN i % 2 = 0 THEN 'session-completed' ELSE 'session-cancelled' END,
                       md5(i::text), '{"session_id": "x"}'::jsonb, 'dead_lettered', 5, 'bench: failed for good'
                FROM generate_series(1, 50) AS i
                """);
        }

        var function = ActivatorUtilities.CreateInstance<WebhookDeadLetters>(host.Services);
        var policy = FunctionPolicies.Match("GET", "webhooks/dlq");
        var hsAccess = host.Services.GetRequiredService<ApiAccess>();
        var rsAccess = new ApiAccess(new BearerTokens(Options.Create(new JwtOptions { Authority = authority.Authority, Audience = TestTokens.Local.Audience })));
        var claims = new TokenClaims("bench-operator", null, [Roles.Operator]);
        var hsBearer = TestTokens.Bearer(TestTokens.LocalToken(claims));
        var rsBearer = TestTokens.Bearer(authority.Token(TestTokens.Local.Audience, claims));
        var fetchesBefore = authority.KeySetRequests;

        Func<int, Task> Path(ApiAccess? access, string? bearer) => async _ =>
        {
            var request = HttpInvoker.Request("GET", "/v1/webhooks/dlq", contentType: null,
                headers: bearer is null ? null : new Dictionary<string, string> { ["Authorization"] = bearer });
            var response = await HttpInvoker.InvokeAsync(request, async r =>
            {
                if (access is not null)
                {
                    await access.AuthorizeAsync(r.HttpContext, policy);
                }

                return await function.ListDeadLetters(r, CancellationToken.None);
            });
            if (response.Status != 200)
            {
                throw new InvalidOperationException($"GET /v1/webhooks/dlq answered {response.Status}");
            }
        };

        var paths = new (string Name, Func<int, Task> Call)[]
        {
            ("before: function only (no access step)", Path(null, null)),
            ("after: `ApiAccess` (HS256, local issuer) + function", Path(hsAccess, hsBearer)),
            ("after: `ApiAccess` (RS256, authority's cached JWKS) + function", Path(rsAccess, rsBearer)),
        };

        foreach (var (_, call) in paths)
        {
            await Stats.RunConcurrentAsync(Callers, 300, call);
        }

        // Interleaved in 3 rounds, so that load from outside falls on all paths alike.
        const int rounds = 3;
        var per = Math.Max(1, requests / rounds);
        var latencies = paths.Select(_ => new List<double>()).ToArray();
        var seconds = new double[paths.Length];
        for (var round = 0; round < rounds; round++)
        {
            for (var p = 0; p < paths.Length; p++)
            {
                var (lat, sec) = await Stats.RunConcurrentAsync(Callers, per, paths[p].Call);
                latencies[p].AddRange(lat);
                seconds[p] += sec;
            }
        }

        var fetches = authority.KeySetRequests - fetchesBefore;
        await host.StopAsync();

        var baseRate = per * rounds / seconds[0];
        var rows = new StringBuilder();
        for (var p = 0; p < paths.Length; p++)
        {
            latencies[p].Sort();
            var rate = per * rounds / seconds[p];
            rows.AppendLine(CultureInfo.InvariantCulture,
                $"| {paths[p].Name} | {Stats.F(rate, 0)} | {Stats.F(Stats.Percentile(latencies[p], 50))} | {Stats.F(Stats.Percentile(latencies[p], 95))} | {Stats.F(Stats.Percentile(latencies[p], 99))} | {Stats.F(rate / baseRate)} |");
        }

        return $"""
            ## Admin path in process, {Callers} concurrent callers, {per * rounds:N0} requests per path (3 interleaved rounds)

            `WebhookDeadLetters.ListDeadLetters` (`GET /v1/webhooks/dlq`, policy Operator) built by the app's own DI
            (`AddFunctionsAppServices`) over a fresh PostgreSQL database holding 50 dead letters: query parsing, the list
            (limit 50) and the stats query, the JSON result written to a `DefaultHttpContext`, as `HttpInvoker` does in the
            tests. "After" runs the app's `ApiAccess` first with the function's declared policy, as
            `BearerAuthenticationMiddleware` does before every HTTP function (the worker's own pipeline is not part of this).
            JWKS fetches during this part: {fetches} (one, on the first RS256 call of the warm-up).
            PostgreSQL runs with fsync off (test cluster) on the same 2 cores as the callers.

            | path | requests/s | p50 ms | p95 ms | p99 ms | ratio (req/s) to before |
            |---|---:|---:|---:|---:|---:|
            {rows.ToString().TrimEnd()}

            The partner webhook carries no token: its policy returns before any token work (row (e) above), so the
            webhook path's throughput is unchanged by this step and is not measured again here (see `webhooks`).

            """;
    }

    private static byte[] Payload() => JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object?>
    {
        ["session_id"] = "sig-1",
        ["session_type"] = "language",
        ["participant_email"] = "p-sig-1@example.org",
        ["volunteer_email"] = "volunteer@acme.example",
        ["scheduled_at"] = "2026-11-01T10:00:00Z",
        ["completed_at"] = "2026-11-01T10:45:00Z",
        ["duration_minutes"] = 45,
        ["topics"] = new[] { "job interview", "grammar", "pronunciation" },
        ["language_level"] = "B1",
        ["notes"] = new string('x', 600),
    });
}
