using System.Text;
using Dapper;
using Impact.Ingest.Backfill;
using Impact.Orchestrations;
using Impact.Orchestrations.Backfill;
using Impact.Shared.Backfill;
using Impact.Shared.Security;
using Impact.TestSupport;
using Impact.TestSupport.Durable;
using Impact.TestSupport.Security;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace Impact.Ingest.Tests.Backfill;

/// <summary>
/// The backfill as a user drives it: HTTP functions called with real requests, orchestrations
/// on a durable worker (in-process by default), a fresh database and a unique blob container. Every call goes
/// through the function's access policy with a bearer token: by default the administrator of
/// <see cref="CompanyId"/> (<see cref="Admin"/>); a test names another token to act as someone else.
/// </summary>
internal sealed class BackfillApp : IAsyncDisposable
{
    /// <summary>The principal of <see cref="Admin"/>, as audit rows name it.</summary>
    public const string AdminPrincipal = "importer-admin";

    private readonly IAsyncDisposable? owned;

    private BackfillApp(TestDatabase db, DurableTaskClient client, IServiceProvider services, BackfillImports functions, Guid companyId,
        IAsyncDisposable? owned)
    {
        Db = db;
        Client = client;
        Services = services;
        Options = services.GetRequiredService<IOptions<BackfillOptions>>().Value;
        Jobs = services.GetRequiredService<BackfillJobStore>();
        Functions = functions;
        CompanyId = companyId;
        Admin = TestTokens.LocalToken(new TokenClaims(AdminPrincipal, companyId, [Roles.CompanyAdmin], "Ada Importer"));
        this.owned = owned;
    }

    public TestDatabase Db { get; }

    public IServiceProvider Services { get; }

    /// <summary>The company whose administrator uploads by default (no e-mail domain, so it employs no volunteer).</summary>
    public Guid CompanyId { get; }

    /// <summary>A company administrator's token for <see cref="CompanyId"/>, used when a call names no other.</summary>
    public string Admin { get; }

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
    public static async Task<BackfillApp> StartAsync(Dictionary<string, string?> settings, Action<IServiceCollection>? services = null)
    {
        var db = await TestDatabase.CreateAsync();
        var durable = await DurableTestHost.StartAsync(db, r => r.AddOrchestrations(), b => b.AddFunctionsAppServices(), settings, services);
        return new BackfillApp(db, durable.Client, durable.Services, durable.Function<BackfillImports>(), await AddCompanyAsync(db, null), durable);
    }

    /// <summary>
    /// Against a worker the caller runs (e.g. the out-of-process harness): the functions come from the app's
    /// own registration (<c>AddFunctionsAppServices()</c>) over the same settings and the test database.
    /// </summary>
    public static async Task<BackfillApp> OnAsync(TestDatabase db, DurableTaskClient client, Dictionary<string, string?> settings)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddConfiguration(TestStorage.Configuration(db.ConnectionString, settings));
        builder.AddFunctionsAppServices();
        var host = builder.Build();
        await host.StartAsync();
        return new BackfillApp(db, client, host.Services, ActivatorUtilities.CreateInstance<BackfillImports>(host.Services),
            await AddCompanyAsync(db, null), new StoppedHost(host));
    }

    /// <summary>A company row (volunteers are matched to it by <paramref name="emailDomain"/>, when there is one).</summary>
    public static async Task<Guid> AddCompanyAsync(TestDatabase db, string? emailDomain, string? name = null)
    {
        await using var conn = await db.DataSource.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<Guid>(
            "INSERT INTO impact.companies (name, email_domain) VALUES (@name, @emailDomain) RETURNING id",
            new { name = name ?? emailDomain ?? "Importer Co", emailDomain });
    }

    public Task<TestResponse> UploadSessionsAsync(byte[] csv, string contentType = "text/csv", string? query = null, string? token = null) =>
        Services.CallAsync(HttpInvoker.Request("POST", "/v1/imports/kintell-sessions", csv, contentType, Auth(token), query),
            r => Functions.ImportKintellSessions(r, Client, CancellationToken.None));

    public Task<TestResponse> UploadUsersAsync(byte[] csv, string? token = null) =>
        Services.CallAsync(HttpInvoker.Request("POST", "/v1/imports/kintell-users", csv, "text/csv", Auth(token)),
            r => Functions.ImportKintellUsers(r, Client, CancellationToken.None));

    public Task<TestResponse> GetAsync(string jobId, string? token = null) =>
        Services.CallAsync(HttpInvoker.Request("GET", $"/v1/imports/{jobId}", headers: Auth(token)),
            r => Functions.GetImport(r, jobId, CancellationToken.None));

    public Task<TestResponse> GetErrorsAsync(string jobId, string? token = null) =>
        Services.CallAsync(HttpInvoker.Request("GET", $"/v1/imports/{jobId}/errors", headers: Auth(token)),
            r => Functions.GetImportErrors(r, jobId, CancellationToken.None));

    public Task<TestResponse> PauseAsync(string jobId, string? token = null, IDictionary<string, string>? headers = null) =>
        Services.CallAsync(HttpInvoker.Request("POST", $"/v1/imports/{jobId}/pause", contentType: null, headers: Auth(token, headers)),
            r => Functions.PauseImport(r, jobId, CancellationToken.None));

    public Task<TestResponse> ResumeAsync(string jobId, string? token = null, IDictionary<string, string>? headers = null) =>
        Services.CallAsync(HttpInvoker.Request("POST", $"/v1/imports/{jobId}/resume", contentType: null, headers: Auth(token, headers)),
            r => Functions.ResumeImport(r, jobId, Client, CancellationToken.None));

    public Task<TestResponse> CreateUploadLinkAsync(string? token = null) =>
        Services.CallAsync(HttpInvoker.Request("POST", "/v1/imports/uploads", contentType: null, headers: Auth(token)),
            r => Functions.CreateImportUpload(r, CancellationToken.None));

    public Task<TestResponse> StartFromUploadAsync(object body, string? token = null) =>
        Services.CallAsync(HttpInvoker.Request("POST", "/v1/imports/from-upload",
                System.Text.Json.JsonSerializer.SerializeToUtf8Bytes(body, Impact.Shared.JsonDefaults.Web), "application/json", Auth(token)),
            r => Functions.ImportFromUpload(r, Client, CancellationToken.None));

    /// <summary>Uploads and returns the job id, asserting the 202.</summary>
    public async Task<string> StartSessionsImportAsync(byte[] csv, string? token = null)
    {
        var response = await UploadSessionsAsync(csv, token: token);
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

    public async Task<IReadOnlyList<T>> QueryAsync<T>(string sql, object? args = null)
    {
        await using var conn = await Db.DataSource.OpenConnectionAsync();
        return (await conn.QueryAsync<T>(sql, args)).AsList();
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

    private Dictionary<string, string> Auth(string? token, IDictionary<string, string>? more = null) =>
        new(more ?? new Dictionary<string, string>()) { ["Authorization"] = TestTokens.Bearer(token ?? Admin) };

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
