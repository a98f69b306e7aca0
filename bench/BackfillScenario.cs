using Impact.Shared;
using System.Diagnostics;
using System.Globalization;
using Dapper;
using Impact.Orchestrations;
using Impact.Orchestrations.Backfill;
using Impact.Shared.Backfill;
using Impact.TestSupport;
using Impact.TestSupport.Backfill;
using Impact.TestSupport.Durable;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;

namespace Impact.Bench;

/// <summary>
/// CSV backfill of N Kintell session rows (default 1,000,000) through the real orchestration
/// (in-process durable host, real PostgreSQL and Azurite): rows/s and peak memory, next to raw
/// Npgsql binary COPY of the same rows into the same tables, and into a plain table, in the same run. A second, smaller
/// file shows whether memory grows with file size.
/// </summary>
public sealed class BackfillScenario : IScenario
{
    public string Name => "backfill";

    public async Task<string> RunAsync(string[] args)
    {
        var rows = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 1_000_000;
        const int chunkRows = 50_000;
        const int chunksPerActivity = 8;
        var loadBefore = LoadAverage();
        // A quarter of the file: enough chunks to fill the read-ahead, so peak memory compares like with like.
        var small = await RunBackfillAsync(rows / 4, chunkRows, chunksPerActivity);
        Console.WriteLine($"backfill {small.Rows}: {small.Seconds:F1} s, {small.RowsPerSecond:F0} rows/s, heap {small.PeakHeapMb:F0} MB");
        var full = await RunBackfillAsync(rows, chunkRows, chunksPerActivity);
        Console.WriteLine($"backfill {full.Rows}: {full.Seconds:F1} s, {full.RowsPerSecond:F0} rows/s, heap {full.PeakHeapMb:F0} MB");
        var raw = await RawCopyAsync(rows, intoTargetTables: false);
        Console.WriteLine($"raw copy plain: {raw.Seconds:F1} s");
        var rawReal = await RawCopyAsync(rows, intoTargetTables: true);
        Console.WriteLine($"raw copy into the target tables: {rawReal.Seconds:F1} s");
        var rawOld = await RawCopyAsync(rows, intoTargetTables: true, schemaBefore0165: true);
        Console.WriteLine($"raw copy into the tables as they were before 0165: {rawOld.Seconds:F1} s");
        var loadAfter = LoadAverage();

        var ratioPlain = full.RowsPerSecond / raw.RowsPerSecond;
        var ratio = full.RowsPerSecond / rawReal.RowsPerSecond;
        var tablesVsPlain = rawReal.RowsPerSecond / raw.RowsPerSecond;
        return $"""
            Kintell sessions CSV, {rows:N0} rows ({full.FileBytes / 1e6:F0} MB, 1% bad rows), chunks of {chunkRows:N0} rows,
            {chunksPerActivity} chunks per activity.

            - **Backfill** = the orchestration end to end: blob read from the checkpoint, parse + validate,
              binary COPY into a staging table, users insert, sessions and ratings upserts keyed by the
              partner's ids, error blob, checkpoint + progress event per chunk (one transaction each),
              ContinueAsNew per activity (in-process durable host). The next chunk is read and validated
              while the current one is written.
            - **Raw COPY into the target tables** (the baseline for the target) = the same rows, already in
              memory with user ids resolved (users created beforehand, not timed), binary COPY straight into
              `impact.kintell_sessions` and `impact.kintell_ratings` (one rating per rated row, as the
              backfill writes) with their keys, indexes and reference checks: the least work that puts these
              rows where the backfill puts them.
            - **Raw COPY into the tables as they were before migration 0165** = the same, into copies of the two tables
              with random ids (`gen_random_uuid()`) and the four per-row foreign keys they had before.
            - **Raw COPY into a plain table** = the same rows binary-COPYed into one table with no index,
              key or constraint: the cost of moving the bytes into PostgreSQL at all.

            | run | rows | seconds | rows/s | peak managed heap | peak working set |
            |---|---:|---:|---:|---:|---:|
            | backfill | {small.Rows:N0} | {Stats.F(small.Seconds, 1)} | {small.RowsPerSecond:N0} | {small.PeakHeapMb:N0} MB | {small.PeakWorkingSetMb:N0} MB |
            | backfill | {full.Rows:N0} | {Stats.F(full.Seconds, 1)} | {full.RowsPerSecond:N0} | {full.PeakHeapMb:N0} MB | {full.PeakWorkingSetMb:N0} MB |
            | raw binary COPY into the target tables | {rawReal.Rows:N0} | {Stats.F(rawReal.Seconds, 1)} | {rawReal.RowsPerSecond:N0} | – | – |
            | raw binary COPY into a plain table | {raw.Rows:N0} | {Stats.F(raw.Seconds, 1)} | {raw.RowsPerSecond:N0} | – | – |
            | raw binary COPY into the tables as they were before migration 0165 | {rawOld.Rows:N0} | {Stats.F(rawOld.Seconds, 1)} | {rawOld.RowsPerSecond:N0} | – | – |

            Backfill end to end: **{Stats.F(full.Seconds, 1)} s** for {rows:N0} rows (target ≤ 30 s).
            Backfill / raw COPY into the target tables: **{Stats.F(ratio, 2)}** (target ≥ 0.5).
            Backfill / raw COPY into a plain table: {Stats.F(ratioPlain, 2)}. Raw COPY into the target tables itself runs at
            {Stats.F(tablesVsPlain, 2)} of the plain-table COPY (the unique keys, the other indexes — three on the sessions, two on the ratings since migration 0175 — and the reference checks).
            Migration 0165 (time-ordered ids; the four per-row foreign-key checks replaced by one set-based check per
            statement, same guarantee) made the raw COPY into the target tables {Stats.F(rawOld.Seconds / rawReal.Seconds, 2)}× as fast as into
            the tables as they were before it (same rows, same run: {Stats.F(rawOld.Seconds, 1)} s → {Stats.F(rawReal.Seconds, 1)} s).
            Upload of the {rows:N0}-row file to the blob (not in the backfill time): {Stats.F(full.UploadSeconds, 1)} s.
            Peak memory is sampled every 50 ms during the backfill only. The file is never held in memory; at most
            three chunks are (one being written, one waiting, one being read): {small.Rows:N0} vs {full.Rows:N0} rows
            peaked at {small.PeakHeapMb:N0} vs {full.PeakHeapMb:N0} MB heap.
            Load average (1/5/15 min) was {loadBefore} before and {loadAfter} after the run on
            {Environment.ProcessorCount} cores; all rows of the table ran in this same run.

            """;
    }

    private static string LoadAverage() =>
        File.Exists("/proc/loadavg") ? string.Join(" ", File.ReadAllText("/proc/loadavg").Split(' ').Take(3)) : "n/a";

    internal sealed record Result(int Rows, long FileBytes, double Seconds, double UploadSeconds, double PeakHeapMb, double PeakWorkingSetMb)
    {
        public double RowsPerSecond => Rows / Seconds;
    }

    internal static async Task<Result> RunBackfillAsync(int rows, int chunkRows, int chunksPerActivity,
        IDictionary<string, string?>? extraSettings = null, Func<TestDatabase, Task>? afterwards = null)
    {
        await using var db = await TestDatabase.CreateAsync();
        var container = TestStorage.UniqueName("bench");
        var settings = new Dictionary<string, string?>
        {
            ["Backfill:ChunkRows"] = chunkRows.ToString(CultureInfo.InvariantCulture),
            ["Backfill:ChunksPerActivity"] = chunksPerActivity.ToString(CultureInfo.InvariantCulture),
            ["Backfill:Container"] = container,
        };
        foreach (var (k, v) in extraSettings ?? new Dictionary<string, string?>())
        {
            settings[k] = v;
        }

        await using var durable = await DurableTestHost.StartAsync(db, r => r.AddOrchestrations(), b => b.AddShared(), settings);

        // The file goes to disk, then to the blob: it is never in the process's memory as a whole.
        var path = Path.GetTempFileName();
        try
        {
            await using (var file = File.Create(path))
            {
                new KintellSessionsCsv { Rows = rows, BadEvery = 100 }.WriteTo(file);
            }

            var blobs = TestStorage.Blobs().GetBlobContainerClient(container);
            await blobs.CreateIfNotExistsAsync();
            var jobId = Guid.NewGuid();
            var upload = Stopwatch.StartNew();
            await blobs.GetBlobClient($"uploads/{jobId}.csv").UploadAsync(path);
            upload.Stop();
            CsvHeader header;
            await using (var f = File.OpenRead(path))
            {
                header = (await CsvHeader.ReadAsync(f))!;
            }

            await ErrorFile.CreateAsync(Azure.Storage.Blobs.Specialized.SpecializedBlobExtensions.GetBlockBlobClient(blobs, $"errors/{jobId}.csv"), header.Columns, ErrorFileFormat.Of(header));
            var jobs = durable.Services.GetRequiredService<BackfillJobStore>();
            await jobs.CreateAsync(jobId, BackfillKinds.KintellSessions, "bench.csv", container,
                $"uploads/{jobId}.csv", new FileInfo(path).Length, header, $"errors/{jobId}.csv", BackfillTestJobs.Operator);

            GC.Collect();
            using var sampler = new MemorySampler();
            var clock = Stopwatch.StartNew();
            await durable.Client.StartBackfillAsync(jobId, durable.Services.GetRequiredService<IOptions<BackfillOptions>>().Value);
            var done = await durable.WaitForCompletionAsync(jobId.ToString(), TimeSpan.FromMinutes(20));
            clock.Stop();
            var job = await jobs.GetAsync(jobId, company: null);
            if (job.Status != BackfillStatus.Completed || job.ProcessedRows != rows)
            {
                throw new InvalidOperationException($"backfill ended {job.Status} after {job.ProcessedRows} rows ({done.RuntimeStatus})");
            }

            var result = new Result(rows, new FileInfo(path).Length, clock.Elapsed.TotalSeconds, upload.Elapsed.TotalSeconds,
                sampler.PeakHeap / 1e6, sampler.PeakWorkingSet / 1e6);
            if (afterwards is not null)
            {
                await afterwards(db);
            }

            return result;
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static async Task<Result> RawCopyAsync(int count, bool intoTargetTables, bool schemaBefore0165 = false)
    {
        await using var db = await TestDatabase.CreateAsync();
        var start = new DateTimeOffset(2025, 1, 1, 9, 0, 0, TimeSpan.Zero);
        var rows = Enumerable.Range(1, count).Select(i => new SessionRow(i + 1, $"S{i:D7}", i % 2 == 0 ? "language" : "mentorship",
            $"participant{i % 5000}@example.org", $"volunteer{i % 300}@acme.example", start.AddMinutes(i), 30 + i % 60,
            KintellSessionsCsv.HasRating(i) ? (short)(1 + i % 5) : null, i % 4 == 0 ? "Great, \"really\" helpful" : "Fine",
            i % 3 == 0 ? null : "B1")).ToList();
        // No command timeout: a million-row COPY on a busy machine takes longer than the 30 s default.
        await using var dataSource = NpgsqlDataSource.Create(new NpgsqlConnectionStringBuilder(db.ConnectionString) { CommandTimeout = 0 }.ConnectionString);
        await using var conn = await dataSource.OpenConnectionAsync();
        if (!intoTargetTables)
        {
            await conn.ExecuteAsync(
                """
                CREATE TABLE bench_raw_sessions (
                    row_number bigint, external_id text, session_type text, participant_email text, volunteer_email text,
                    completed_at timestamptz, duration_minutes integer, rating smallint, feedback_text text, language_level text)
                """);
            var clock = Stopwatch.StartNew();
            await using (var copy = await conn.BeginBinaryImportAsync(
                "COPY bench_raw_sessions (row_number, external_id, session_type, participant_email, volunteer_email, completed_at, duration_minutes, rating, feedback_text, language_level) FROM STDIN (FORMAT BINARY)"))
            {
                copy.Timeout = TimeSpan.FromMinutes(20);
                foreach (var r in rows)
                {
                    await copy.StartRowAsync();
                    await copy.WriteAsync(r.RowNumber, NpgsqlDbType.Bigint);
                    await copy.WriteAsync(r.ExternalId, NpgsqlDbType.Text);
                    await copy.WriteAsync(r.SessionType, NpgsqlDbType.Text);
                    await copy.WriteAsync(r.ParticipantEmail, NpgsqlDbType.Text);
                    await copy.WriteAsync(r.VolunteerEmail, NpgsqlDbType.Text);
                    await copy.WriteAsync(r.CompletedAt, NpgsqlDbType.TimestampTz);
                    await copy.WriteAsync(r.DurationMinutes, NpgsqlDbType.Integer);
                    if (r.Rating is { } rating) { await copy.WriteAsync(rating, NpgsqlDbType.Smallint); } else { await copy.WriteNullAsync(); }
                    await copy.WriteAsync(r.FeedbackText, NpgsqlDbType.Text);
                    if (r.LanguageLevel is { } level) { await copy.WriteAsync(level, NpgsqlDbType.Text); } else { await copy.WriteNullAsync(); }
                }

                await copy.CompleteAsync();
            }

            clock.Stop();
            return new Result(count, 0, clock.Elapsed.TotalSeconds, 0, 0, 0);
        }

        await conn.ExecuteAsync(
            """
            INSERT INTO impact.companies (name, email_domain) VALUES ('Acme', 'acme.example');
            INSERT INTO impact.users (email, role) SELECT 'participant' || i || '@example.org', 'participant' FROM generate_series(0, 4999) i;
            INSERT INTO impact.users (email, role, company_id)
            SELECT 'volunteer' || i || '@acme.example', 'volunteer', (SELECT id FROM impact.companies) FROM generate_series(0, 299) i;
            """);
        var (sessionsTable, ratingsTable) = ("impact.kintell_sessions", "impact.kintell_ratings");
        if (schemaBefore0165)
        {
            // The same tables with random ids and per-row foreign keys (LIKE copies neither the triggers of 0165 nor foreign keys).
            (sessionsTable, ratingsTable) = ("bench_sessions_before", "bench_ratings_before");
            await conn.ExecuteAsync(
                """
                CREATE TABLE bench_sessions_before (LIKE impact.kintell_sessions INCLUDING ALL);
                ALTER TABLE bench_sessions_before ALTER COLUMN id SET DEFAULT gen_random_uuid(),
                    ADD FOREIGN KEY (participant_id) REFERENCES impact.users (id),
                    ADD FOREIGN KEY (volunteer_id) REFERENCES impact.users (id),
                    ADD FOREIGN KEY (company_id) REFERENCES impact.companies (id);
                CREATE TABLE bench_ratings_before (LIKE impact.kintell_ratings INCLUDING ALL);
                ALTER TABLE bench_ratings_before ALTER COLUMN id SET DEFAULT gen_random_uuid(),
                    ADD FOREIGN KEY (rater_id) REFERENCES impact.users (id);
                """);
        }

        var ids = (await conn.QueryAsync<(string Email, Guid Id, Guid? CompanyId)>("SELECT email, id, company_id FROM impact.users"))
            .ToDictionary(u => u.Email, u => (u.Id, u.CompanyId));
        var real = Stopwatch.StartNew();
        await using (var copy = await conn.BeginBinaryImportAsync(
            $"COPY {sessionsTable} (external_id, session_type, participant_id, volunteer_id, company_id, completed_at, duration_minutes, language_level, source) FROM STDIN (FORMAT BINARY)"))
        {
            copy.Timeout = TimeSpan.FromMinutes(20);
            foreach (var r in rows)
            {
                var volunteer = ids[r.VolunteerEmail];
                await copy.StartRowAsync();
                await copy.WriteAsync(r.ExternalId, NpgsqlDbType.Text);
                await copy.WriteAsync(r.SessionType, NpgsqlDbType.Text);
                await copy.WriteAsync(ids[r.ParticipantEmail].Id, NpgsqlDbType.Uuid);
                await copy.WriteAsync(volunteer.Id, NpgsqlDbType.Uuid);
                await copy.WriteAsync(volunteer.CompanyId!.Value, NpgsqlDbType.Uuid);
                await copy.WriteAsync(r.CompletedAt, NpgsqlDbType.TimestampTz);
                await copy.WriteAsync(r.DurationMinutes, NpgsqlDbType.Integer);
                if (r.LanguageLevel is { } level) { await copy.WriteAsync(level, NpgsqlDbType.Text); } else { await copy.WriteNullAsync(); }
                await copy.WriteAsync("backfill", NpgsqlDbType.Text);
            }

            await copy.CompleteAsync();
        }

        // The participant's rating of each rated session, as the backfill writes it.
        await using (var copy = await conn.BeginBinaryImportAsync(
            $"COPY {ratingsTable} (external_id, session_external_id, rater_id, from_role, rating, rating_normalized, feedback_text, rated_at) FROM STDIN (FORMAT BINARY)"))
        {
            copy.Timeout = TimeSpan.FromMinutes(20);
            foreach (var r in rows)
            {
                if (r.Rating is not { } rating)
                {
                    continue;
                }

                await copy.StartRowAsync();
                await copy.WriteAsync(r.ExternalId + ":participant", NpgsqlDbType.Text);
                await copy.WriteAsync(r.ExternalId, NpgsqlDbType.Text);
                await copy.WriteAsync(ids[r.ParticipantEmail].Id, NpgsqlDbType.Uuid);
                await copy.WriteAsync("participant", NpgsqlDbType.Text);
                await copy.WriteAsync(rating, NpgsqlDbType.Smallint);
                await copy.WriteAsync((rating - 1) / 4.0, NpgsqlDbType.Double);
                if (r.FeedbackText is { } feedback) { await copy.WriteAsync(feedback, NpgsqlDbType.Text); } else { await copy.WriteNullAsync(); }
                await copy.WriteAsync(r.CompletedAt, NpgsqlDbType.TimestampTz);
            }

            await copy.CompleteAsync();
        }

        real.Stop();
        return new Result(count, 0, real.Elapsed.TotalSeconds, 0, 0, 0);
    }

    /// <summary>Samples the managed heap and the working set every 50 ms; keeps the maxima.</summary>
    private sealed class MemorySampler : IDisposable
    {
        private readonly CancellationTokenSource stop = new();
        private readonly Task loop;

        public MemorySampler()
        {
            loop = Task.Run(async () =>
            {
                using var process = Process.GetCurrentProcess();
                while (!stop.IsCancellationRequested)
                {
                    PeakHeap = Math.Max(PeakHeap, GC.GetTotalMemory(false));
                    process.Refresh();
                    PeakWorkingSet = Math.Max(PeakWorkingSet, process.WorkingSet64);
                    try
                    {
                        await Task.Delay(50, stop.Token);
                    }
                    catch (OperationCanceledException)
                    {
                    }
                }
            });
        }

        public long PeakHeap { get; private set; }

        public long PeakWorkingSet { get; private set; }

        public void Dispose()
        {
            stop.Cancel();
            loop.Wait();
            stop.Dispose();
        }
    }
}
