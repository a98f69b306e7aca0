using System.Collections.Concurrent;
using System.Globalization;
using Dapper;
using Impact.StreamHost.Streaming;
using Impact.Shared.Security;
using Impact.StreamHost.Security;
using Impact.TestSupport;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Impact.StreamHost.Tests.Support;

/// <summary>The real SSE host on a real Kestrel port (127.0.0.1, port 0), against a test database.</summary>
public sealed class TestStreamHost : IAsyncDisposable
{
    public const string SigningKey = "stream-host-tests-signing-key-0123456789abcdef";
    public const string Issuer = "impact-tests";
    public const string Audience = "impact-stream-tests";

    public static readonly JwtOptions Jwt = new() { SigningKey = SigningKey, Issuer = Issuer, Audience = Audience };

    private TestStreamHost(WebApplication app, Uri baseAddress, CapturedLogs logs)
    {
        App = app;
        BaseAddress = baseAddress;
        Logs = logs;
        Http = new HttpClient { BaseAddress = baseAddress, Timeout = Timeout.InfiniteTimeSpan };
    }

    public WebApplication App { get; }

    public Uri BaseAddress { get; }

    public HttpClient Http { get; }

    /// <summary>Every log line the host wrote, to prove what it never writes.</summary>
    public CapturedLogs Logs { get; }

    public static WebApplication Build(string connectionString, IDictionary<string, string?>? overrides = null, CapturedLogs? logs = null,
        Action<WebApplicationBuilder>? configure = null, string environment = "Production") =>
        StreamHostApp.Build([], builder =>
        {
            // As in Azure unless a test says otherwise (the Development environment relaxes start-up checks).
            builder.Environment.EnvironmentName = environment;
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            var settings = new Dictionary<string, string?>
            {
                ["Postgres:ConnectionString"] = connectionString,
                ["Jwt:SigningKey"] = SigningKey,
                ["Jwt:Issuer"] = Issuer,
                ["Jwt:Audience"] = Audience,
                ["Jwt:Authority"] = "",
                ["Stream:HeartbeatSeconds"] = "1",
                ["Stream:RetryMilliseconds"] = "500",
                ["Stream:ClientBufferSize"] = "100",
                ["Stream:ReplayHours"] = "24",
                ["Jwt:CompanyClaim"] = "company_id",
                ["Logging:LogLevel:Default"] = "Debug",
            };
            foreach (var (k, v) in overrides ?? new Dictionary<string, string?>())
            {
                settings[k] = v;
            }

            builder.Configuration.AddInMemoryCollection(settings);
            // The console shows warnings only; the captured logs see everything (Debug) the host writes.
            builder.Logging.Quiet();
            if (logs is not null)
            {
                builder.Logging.AddProvider(logs);
            }

            configure?.Invoke(builder);
        });

    public static async Task<TestStreamHost> StartAsync(TestDatabase db, IDictionary<string, string?>? overrides = null,
        Action<WebApplicationBuilder>? configure = null, string environment = "Production")
    {
        var logs = new CapturedLogs();
        var app = Build(db.ConnectionString, overrides, logs, configure, environment);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.Single();
        return new TestStreamHost(app, new Uri(address), logs);
    }

    public static string TokenFor(Guid companyId, TimeSpan? lifetime = null, JwtOptions? jwt = null) =>
        LocalTokens.Create(jwt ?? Jwt, LocalCaller.Company(companyId), DateTimeOffset.UtcNow, lifetime ?? TimeSpan.FromHours(1));

    public static string OperatorToken() =>
        LocalTokens.Create(Jwt, LocalCaller.Operator(), DateTimeOffset.UtcNow, TimeSpan.FromHours(1));

    public Task<SseClient> ConnectAsync(Guid companyId, string? lastEventId = null, bool viaQuery = false, HttpClient? http = null, string? token = null) =>
        SseClient.ConnectAsync(http ?? Http, companyId, token ?? TokenFor(companyId), lastEventId, viaQuery, RowOf);

    private readonly ConcurrentDictionary<Guid, long?> rows = new();

    /// <summary>The events-table row of an event id the stream sent (null when there is none); cached, asked after reading.</summary>
    public long? RowOf(Guid eventId) => rows.GetOrAdd(eventId, id =>
    {
        using var conn = App.Services.GetRequiredService<NpgsqlDataSource>().OpenConnection();
        return conn.ExecuteScalar<long?>("SELECT id FROM impact.events WHERE event_id = @id", new { id });
    });

    /// <summary>The id the stream sends for the event in row <paramref name="row"/>.</summary>
    public async Task<string> IdOfAsync(long row)
    {
        await using var conn = await App.Services.GetRequiredService<NpgsqlDataSource>().OpenConnectionAsync();
        return (await conn.ExecuteScalarAsync<Guid>("SELECT event_id FROM impact.events WHERE id = @row", new { row })).ToString("D");
    }

    /// <summary>
    /// Waits until the feed has passed event <paramref name="eventId"/>. Events written before the host
    /// started are "new" to it while any older transaction in the cluster (another test's) was still
    /// open at start-up, so tests about old events wait for this first.
    /// </summary>
    public async Task CaughtUpAsync(TestDatabase db, long eventId)
    {
        await using var conn = await db.DataSource.OpenConnectionAsync();
        var tx = await conn.ExecuteScalarAsync<string>("SELECT tx_id::text FROM impact.events WHERE id = @eventId", new { eventId });
        var position = new EventPosition(ulong.Parse(tx!, CultureInfo.InvariantCulture), eventId);
        var hub = App.Services.GetRequiredService<StreamHub>();
        await hub.Started.WaitAsync(TimeSpan.FromSeconds(20));
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (hub.Published < position && DateTime.UtcNow < deadline)
        {
            await Task.Delay(20);
        }
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await App.StopAsync();
        await App.DisposeAsync();
    }
}

public sealed class CapturedLogs : ILoggerProvider
{
    public ConcurrentQueue<string> Lines { get; } = new();

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            owner.Lines.Enqueue($"{logLevel} {category}: {formatter(state, exception)} {exception}");
    }
}
