using System.Diagnostics;
using System.Text;
using Dapper;
using Impact.Shared.Privacy;
using Impact.Shared.Security;
using Impact.TestSupport;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Impact.Bench.Privacy;

/// <summary>
/// DSAR export of one person with 100,000 rows (sessions, ratings, bookings, stored webhook payloads, events):
/// the full export (two passes per data set for JSON and CSV, redaction, deflate, SHA-256, upload to Azurite)
/// against a plain <c>COPY (same rows) TO STDOUT</c> in the same run.
/// </summary>
public sealed class PrivacyExportScenario : IScenario
{
    private const int Sessions = 40_000, Ratings = 20_000, Bookings = 10_000, Deliveries = 20_000, Events = 10_000;
    private const int Runs = 3;

    public string Name => "privacy-export";

    public async Task<string> RunAsync(string[] args)
    {
        await using var db = await TestDatabase.CreateAsync();
        var subject = Guid.NewGuid();
        var company = Guid.NewGuid();
        var seedWatch = Stopwatch.StartNew();
        await SeedAsync(db.DataSource, subject, company);
        seedWatch.Stop();

        var blobs = TestStorage.Blobs();
        var options = Options.Create(new PrivacyOptions { ExportsContainer = TestStorage.UniqueName("bench-exports") });
        var requests = new PrivacyRequestStore(db.DataSource, TimeProvider.System);
        var export = new PrivacyExport(requests, db.DataSource, blobs, options, TimeProvider.System);

        // Warm-up (JIT, plans, buffers), then alternate the two so neither gets a warmer cache.
        await RunExportAsync(requests, export, subject, company);
        await CopyBaselineAsync(db.DataSource, subject);
        var exportMs = new List<double>();
        var copyMs = new List<double>();
        ExportResult? last = null;
        long copyBytes = 0;
        for (var i = 0; i < Runs; i++)
        {
            var start = Stopwatch.GetTimestamp();
            last = await RunExportAsync(requests, export, subject, company);
            exportMs.Add(Stats.Ms(Stopwatch.GetTimestamp() - start));

            start = Stopwatch.GetTimestamp();
            copyBytes = await CopyBaselineAsync(db.DataSource, subject);
            copyMs.Add(Stats.Ms(Stopwatch.GetTimestamp() - start));
        }

        exportMs.Sort();
        copyMs.Sort();
        var container = blobs.GetBlobContainerClient(options.Value.ExportsContainer);
        var zip = await container.GetBlobClient(last!.Location[(last.Location.IndexOf('/', StringComparison.Ordinal) + 1)..]).DownloadContentAsync();
        // Second baseline: only storing the finished ZIP's bytes in Azurite, to show how much of the export is the upload.
        var uploadMs = new List<double>();
        for (var i = 0; i < Runs; i++)
        {
            var start = Stopwatch.GetTimestamp();
            await container.GetBlobClient($"upload-baseline-{i}.zip").UploadAsync(zip.Value.Content, overwrite: true);
            uploadMs.Add(Stats.Ms(Stopwatch.GetTimestamp() - start));
        }

        uploadMs.Sort();
        var zipBytes = zip.Value.Content.ToMemory().Length;
        var rows = last.Rows;
        var rawBytes = last.Files.Sum(f => f.Bytes);
        var exportMedian = Stats.Percentile(exportMs, 50);
        var copyMedian = Stats.Percentile(copyMs, 50);

        var report = new StringBuilder();
        report.AppendLine($"One person, {rows:N0} rows exported ({Sessions:N0} sessions, {Ratings:N0} ratings, {Bookings:N0} bookings, " +
                          $"{Deliveries:N0} stored webhook payloads, {Events:N0} events, 1 profile, the request). Seeded in {seedWatch.Elapsed.TotalSeconds:F1} s.");
        report.AppendLine();
        report.AppendLine("| what | median (ms) | min (ms) | max (ms) | output |");
        report.AppendLine("|---|---:|---:|---:|---|");
        report.AppendLine($"| DSAR export: JSON + CSV per data set, redaction, manifest with SHA-256, ZIP streamed to Azurite | {Stats.F(exportMedian, 0)} | {Stats.F(exportMs[0], 0)} | {Stats.F(exportMs[^1], 0)} | ZIP {zipBytes / 1024.0 / 1024.0:F1} MiB ({rawBytes / 1024.0 / 1024.0:F1} MiB uncompressed, {last.Files.Count} files) |");
        report.AppendLine($"| baseline: `COPY (same rows) TO STDOUT (FORMAT csv)`, read and discarded | {Stats.F(copyMedian, 0)} | {Stats.F(copyMs[0], 0)} | {Stats.F(copyMs[^1], 0)} | {copyBytes / 1024.0 / 1024.0:F1} MiB CSV |");
        report.AppendLine($"| baseline: uploading the finished ZIP's bytes to Azurite (one `UploadAsync`) | {Stats.F(Stats.Percentile(uploadMs, 50), 0)} | {Stats.F(uploadMs[0], 0)} | {Stats.F(uploadMs[^1], 0)} | ZIP {zipBytes / 1024.0 / 1024.0:F1} MiB |");
        report.AppendLine();
        report.AppendLine($"Export / baseline: **{exportMedian / copyMedian:F1}x** ({Runs} runs each, alternating, after one warm-up run of each). " +
                          $"Throughput of the export: {rows / (exportMedian / 1000):N0} rows/s.");
        report.AppendLine();
        report.AppendLine("The export reads every data set twice (once for JSON, once for CSV) in one repeatable-read snapshot, " +
                          "rewrites the JSON payloads to redact other people, deflates, hashes and uploads; the baseline only " +
                          "has PostgreSQL produce the same rows as CSV once. PostgreSQL and Azurite run on the same 2-core machine " +
                          "as the benchmark, shared with other builds (load average " +
                          $"{File.ReadAllText("/proc/loadavg").Split(' ')[0]} at the end of the run), so absolute times are pessimistic. " +
                          "The upload row shows that storing the ZIP is a small part; formatting two passes and deflating are the rest.");
        report.AppendLine();
        report.AppendLine("History: a first version let Utf8JsonWriter's flushes reach the blob stream, staging one block per 64 KB; " +
                          "it measured 15.5 s median (16x) in this scenario on the same machine. The export's stream now ignores flushes.");
        return report.ToString();
    }

    private static async Task<ExportResult> RunExportAsync(PrivacyRequestStore requests, PrivacyExport export, Guid subject, Guid company)
    {
        var requestId = Guid.NewGuid();
        await requests.CreateAsync(requestId, subject, PrivacyRequestTypes.Export, new Caller("bench", "Bench", company, [Roles.PrivacyOfficer]));
        return await export.RunAsync(requestId);
    }

    private static async Task<long> CopyBaselineAsync(NpgsqlDataSource dataSource, Guid subject)
    {
        // COPY takes no parameters; a Guid's text form is safe to inline.
        var id = subject.ToString();
        string[] queries =
        [
            $"SELECT * FROM impact.users WHERE id = '{id}'",
            $"SELECT * FROM impact.kintell_sessions WHERE participant_id = '{id}' OR volunteer_id = '{id}'",
            $"SELECT * FROM impact.kintell_ratings WHERE rater_id = '{id}'",
            $"SELECT * FROM impact.kintell_bookings WHERE participant_id = '{id}' OR volunteer_id = '{id}'",
            $"SELECT d.* FROM impact.webhook_deliveries d JOIN impact.users u ON u.id = '{id}' WHERE lower(d.payload ->> 'participant_email') = u.email OR lower(d.payload ->> 'volunteer_email') = u.email",
            $"SELECT * FROM impact.events WHERE data @> jsonb_build_object('participantId', '{id}'::text)",
            $"SELECT * FROM impact.privacy_requests WHERE user_id = '{id}'",
        ];
        long bytes = 0;
        await using var conn = await dataSource.OpenConnectionAsync();
        var buffer = new char[64 * 1024];
        foreach (var query in queries)
        {
            using var reader = await conn.BeginTextExportAsync($"COPY ({query}) TO STDOUT (FORMAT csv, HEADER)");
            int read;
            while ((read = await reader.ReadAsync(buffer)) > 0)
            {
                bytes += read;
            }
        }

        return bytes;
    }

    private static async Task SeedAsync(NpgsqlDataSource dataSource, Guid subject, Guid company)
    {
        await using var conn = await dataSource.OpenConnectionAsync();
        var other = Guid.NewGuid();
        var p = new
        {
            subject, other, company, subjectText = subject.ToString(), otherText = other.ToString(),
            email = "bench.subject@example.org", otherEmail = "bench.volunteer@acme.example",
            sessions = Sessions, ratings = Ratings, bookings = Bookings, deliveries = Deliveries, events = Events,
        };
        await conn.ExecuteAsync(
            """
            INSERT INTO impact.companies (id, name) VALUES (@company, 'Bench');
            INSERT INTO impact.users (id, email, display_name, role, company_id) VALUES
                (@subject, @email, 'Bench Subject', 'participant', @company), (@other, @otherEmail, 'Bench Volunteer', 'volunteer', @company);
            INSERT INTO impact.kintell_sessions (external_id, session_type, participant_id, volunteer_id, scheduled_at, completed_at,
                                                 duration_minutes, topics, language_level)
            SELECT 'bs-' || g, 'language', @subject, @other, now() - g * interval '1 hour', now() - g * interval '1 hour' + interval '45 minutes',
                   30 + g % 60, ARRAY['grammar', 'job interview, practice'], 'B1'
            FROM generate_series(1, @sessions) g;
            INSERT INTO impact.kintell_ratings (external_id, session_external_id, rater_id, from_role, rating, rating_normalized, feedback_text, rated_at)
            SELECT 'br-' || g, 'bs-' || g, @subject, 'participant', 1 + g % 5, (g % 5) / 4.0, 'Thank you for session ' || g || ', very "helpful"', now()
            FROM generate_series(1, @ratings) g;
            INSERT INTO impact.kintell_bookings (external_id, session_type, participant_id, volunteer_id, scheduled_at)
            SELECT 'bb-' || g, 'mentorship', @subject, @other, now() + g * interval '1 hour'
            FROM generate_series(1, @bookings) g;
            INSERT INTO impact.webhook_deliveries (source, delivery_id, event_type, payload_hash, payload, status)
            SELECT 'kintell', 'bd-' || g, 'session-completed', md5(g::text),
                   jsonb_build_object('session_id', 'bs-' || g, 'session_type', 'language', 'participant_email', @email,
                                      'volunteer_email', @otherEmail, 'duration_minutes', 30 + g % 60, 'topics', jsonb_build_array('grammar')),
                   'processed'
            FROM generate_series(1, @deliveries) g;
            INSERT INTO impact.events (type, data)
            SELECT 'kintell.session.completed', jsonb_build_object('sessionId', 'bs-' || g, 'participantId', @subjectText, 'volunteerId', @otherText)
            FROM generate_series(1, @events) g;
            """, p, commandTimeout: 300);
        await conn.ExecuteAsync("ANALYZE impact.users, impact.kintell_sessions, impact.kintell_ratings, impact.kintell_bookings, impact.webhook_deliveries, impact.events", commandTimeout: 300);
    }
}
