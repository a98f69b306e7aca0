using Impact.Shared;
using System.Text;
using Dapper;
using Impact.Ingest.Backfill;
using Impact.Orchestrations;
using Impact.Orchestrations.Backfill;
using Impact.Shared.Backfill;
using Impact.TestSupport;
using Impact.TestSupport.Durable;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Impact.Ingest.Tests.Backfill;

/// <summary>
/// The backfill as a user drives it: HTTP functions called with real requests, orchestrations
/// on a durable worker (in-process by default), a fresh database and a unique blob container.
/// </summary>
internal sealed class BackfillApp : IAsyncDisposable
{
    private readonly IAsyncDisposable? owned;

    private BackfillApp(TestDatabase db, DurableTaskClient client, IServiceProvider services, BackfillImports functions, IAsyncDisposable? owned)
    {
        Db = db;
        Client = client;
        Options = services.GetRequiredService<IOptions<BackfillOptions>>().Value;
        Jobs = services.GetRequiredService<BackfillJobStore>();
        Functions = functions;
        this.owned = owned;
    }

    public TestDatabase Db { get; }

    public DurableTaskClient Client { get; }

    public BackfillOptions Options { get; }

    public BackfillJobStore Jobs { get; }

    public BackfillImports Functions { get; }

    public static Dictionary<string, string?> Settings(int chunkRows, params (string Key, string Value)[] more)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Backfill:ChunkRows"] = chunkRows.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["Backfill:Container"] = TestStorage.UniqueName("backfill"),
            ["Backfill:RetryFirstIntervalSeconds"] = "0.2",
        };
        foreach (var (k, v) in more)
        {
            settings[k] = v;
        }

        return settings;
    }

    /// <summary>In-process durable worker (InProcessTestHost); the functions come from the worker's DI.</summary>
    public static async Task<BackfillApp> StartAsync(Dictionary<string, string?> settings)
    {
        var db = await TestDatabase.CreateAsync();
        var durable = await DurableTestHost.StartAsync(db, r => r.AddOrchestrations(), b => b.AddShared(), settings);
        return new BackfillApp(db, durable.Client, durable.Services, durable.Function<BackfillImports>(), durable);
    }

    /// <summary>
    /// Against a worker the caller runs (e.g. the out-of-process harness): the functions come from the app's
    /// own registration (<c>AddShared()</c>) over the same settings and the test database.
    /// </summary>
    public static async Task<BackfillApp> OnAsync(TestDatabase db, DurableTaskClient client, Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddConfiguration(TestStorage.Configuration(db.ConnectionString, settings));
        builder.AddShared();
        var host = builder.Build();
        await host.StartAsync();
        return new BackfillApp(db, client, host.Services, ActivatorUtilities.CreateInstance<BackfillImports>(host.Services), new StoppedHost(host));
    }

    public Task<TestResponse> UploadSessionsAsync(byte[] csv, string contentType = "text/csv", string? query = null) =>
        HttpInvoker.InvokeAsync(HttpInvoker.Request("POST", "/v1/imports/kintell-sessions", csv, contentType, query: query),
            r => Functions.ImportKintellSessions(r, Client, CancellationToken.None));

    public Task<TestResponse> UploadUsersAsync(byte[] csv) =>
        HttpInvoker.InvokeAsync(HttpInvoker.Request("POST", "/v1/imports/kintell-users", csv, "text/csv"),
            r => Functions.ImportKintellUsers(r, Client, CancellationToken.None));

    public Task<TestResponse> GetAsync(string jobId) =>
        HttpInvoker.InvokeAsync(HttpInvoker.Request("GET", $"/v1/imports/{jobId}"), r => Functions.GetImport(r, jobId, CancellationToken.None));

    public Task<TestResponse> GetErrorsAsync(string jobId) =>
        HttpInvoker.InvokeAsync(HttpInvoker.Request("GET", $"/v1/imports/{jobId}/errors"), r => Functions.GetImportErrors(r, jobId, CancellationToken.None));

    public Task<TestResponse> PauseAsync(string jobId) =>
        HttpInvoker.InvokeAsync(HttpInvoker.Request("POST", $"/v1/imports/{jobId}/pause", contentType: null), r => Functions.PauseImport(r, jobId, CancellationToken.None));

    public Task<TestResponse> ResumeAsync(string jobId) =>
        HttpInvoker.InvokeAsync(HttpInvoker.Request("POST", $"/v1/imports/{jobId}/resume", contentType: null), r => Functions.ResumeImport(r, jobId, Client, CancellationToken.None));

    /// <summary>Uploads and returns the job id, asserting the 202.</summary>
    public async Task<string> StartSessionsImportAsync(byte[] csv)
    {
        var response = await UploadSessionsAsync(csv);
        Assert.True(response.Status == 202, response.Body);
        return response.Json.GetProperty("jobId").GetString()!;
    }

    /// <summary>Waits until the job row says completed or failed (the orchestration may still be wrapping up).</summary>
    public async Task<BackfillJob> WaitForJobAsync(string jobId, TimeSpan timeout, params string[] statuses)
    {
        var wanted = statuses.Length > 0 ? statuses : [BackfillStatus.Completed];
        BackfillJob? job = null;
        await Poll.UntilAsync(async () =>
        {
            job = await Jobs.FindAsync(Guid.Parse(jobId));
            return job is not null && wanted.Contains(job.Status);
        }, timeout, $"job {jobId} to be {string.Join(" or ", wanted)} (last: {job?.Status}, {job?.ProcessedRows} rows)");
        return job!;
    }

    public async Task<long> CountAsync(string sql, object? args = null)
    {
        await using var conn = await Db.DataSource.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<long>(sql, args);
    }

    /// <summary>The error CSV parsed: header, then records.</summary>
    public static async Task<(IReadOnlyList<string> Header, List<string[]> Rows)> ParseCsvAsync(byte[] csv)
    {
        var header = (await CsvHeader.ReadAsync(new MemoryStream(csv)))!;
        var reader = new CsvRecordReader(new MemoryStream(csv) { Position = header.DataOffset }, header.Delimiter, header.DataOffset, 1);
        var rows = new List<string[]>();
        while (await reader.ReadAsync() is { } r)
        {
            Assert.Null(r.Error);
            rows.Add(r.Fields);
        }

        return (header.Columns, rows);
    }

    public static byte[] Multipart(string fileName, byte[] file, out string contentType)
    {
        const string boundary = "----impact-test-boundary";
        contentType = $"multipart/form-data; boundary={boundary}";
        using var ms = new MemoryStream();
        ms.Write(Encoding.ASCII.GetBytes($"--{boundary}\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n"));
        ms.Write(Encoding.ASCII.GetBytes($"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{fileName}\"\r\nContent-Type: text/csv\r\n\r\n"));
        ms.Write(file);
        ms.Write(Encoding.ASCII.GetBytes($"\r\n--{boundary}--\r\n"));
        return ms.ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        if (owned is not null)
        {
            await owned.DisposeAsync();
        }

        await Db.DisposeAsync();
    }

    private sealed class StoppedHost(IHost host) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await host.StopAsync();
            host.Dispose();
        }
    }
}
