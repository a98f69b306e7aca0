using Impact.Shared;
using System.Text;
using Dapper;
using Impact.Orchestrations;
using Impact.Orchestrations.Backfill;
using Impact.Shared.Backfill;
using Impact.TestSupport;
using Impact.TestSupport.Backfill;
using Impact.TestSupport.Durable;
using Microsoft.Extensions.Options;

namespace Impact.Ingest.Tests.Backfill;

public sealed class BackfillImportTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    internal static Task<Guid> AddCompanyAsync(BackfillApp app, string domain) => BackfillApp.AddCompanyAsync(app.Db, domain);

    [Fact]
    public async Task ImportingTheSameFileAgainCreatesNoDuplicates()
    {
        await using var app = await BackfillApp.StartAsync(BackfillApp.Settings(chunkRows: 1_000));
        var csv = new KintellSessionsCsv { Rows = 3_000, BadEvery = 100 }.ToBytes();

        var first = await app.StartSessionsImportAsync(csv);
        await app.WaitForJobAsync(first, Timeout);
        var sessions = await app.CountAsync("SELECT count(*) FROM impact.kintell_sessions");
        var ratings = await app.CountAsync("SELECT count(*) FROM impact.kintell_ratings");
        var users = await app.CountAsync("SELECT count(*) FROM impact.users");

        var second = await app.StartSessionsImportAsync(csv);
        var again = await app.WaitForJobAsync(second, Timeout);

        Assert.Equal(2_970, sessions);
        Assert.Equal(2_970, again.SucceededRows);
        Assert.Equal(sessions, await app.CountAsync("SELECT count(*) FROM impact.kintell_sessions"));
        Assert.Equal(ratings, await app.CountAsync("SELECT count(*) FROM impact.kintell_ratings"));
        Assert.Equal(users, await app.CountAsync("SELECT count(*) FROM impact.users"));
    }

    [Fact]
    public async Task PausedImportStopsAtAChunkBoundaryAndResumeContinuesFromTheCheckpointWithoutANewUpload()
    {
        await using var app = await BackfillApp.StartAsync(BackfillApp.Settings(chunkRows: 500));
        var jobId = await app.StartSessionsImportAsync(new KintellSessionsCsv { Rows = 10_000 }.ToBytes());

        var paused = await app.PauseAsync(jobId);
        Assert.Equal(202, paused.Status);
        Assert.Equal(BackfillStatus.Paused, paused.Json.GetProperty("status").GetString());
        // The orchestration reports "paused" once it has stopped and waits for the resume.
        await Poll.UntilAsync(async () => (await app.Client.GetInstanceAsync(jobId, getInputsAndOutputs: true))?.SerializedCustomStatus?.Contains($"\"{BackfillStatus.Paused}\"", StringComparison.Ordinal) == true,
            Timeout, "the orchestration to stop for the pause");
        var atPause = await app.Jobs.GetAsync(Guid.Parse(jobId), company: null);
        Assert.Equal(BackfillStatus.Paused, atPause.Status);
        Assert.True(atPause.ProcessedRows < 10_000, $"paused after {atPause.ProcessedRows} rows");
        Assert.Equal(atPause.ProcessedRows, await app.CountAsync("SELECT count(*) FROM impact.kintell_sessions"));

        var resumed = await app.ResumeAsync(jobId);
        Assert.Equal(202, resumed.Status);
        var done = await app.WaitForJobAsync(jobId, Timeout);

        Assert.Equal(10_000, done.ProcessedRows);
        Assert.Equal(10_000, await app.CountAsync("SELECT count(*) FROM impact.kintell_sessions"));
        // Counters were never reset: every progress event is one chunk further than the one before.
        await using var conn = await app.Db.DataSource.OpenConnectionAsync();
        var progress = (await conn.QueryAsync<long>(
            "SELECT (data->>'processedRows')::bigint FROM impact.events WHERE type = 'backfill.progress' AND correlation_id = @jobId ORDER BY id",
            new { jobId })).ToList();
        Assert.Equal(Enumerable.Range(1, 20).Select(i => i * 500L), progress);
    }

    [Fact]
    public async Task FailedImportResumesFromItsCheckpointWithoutANewUpload()
    {
        await using var app = await BackfillApp.StartAsync(BackfillApp.Settings(chunkRows: 1_000, ("Backfill:RetryAttempts", "2")));
        await using (var conn = await app.Db.DataSource.OpenConnectionAsync())
        {
            // Stands in for an outage: one row of the 6th chunk cannot be written until the trigger goes.
            await conn.ExecuteAsync(
                """
                CREATE FUNCTION impact.reject_s5500() RETURNS trigger LANGUAGE plpgsql AS $$
                BEGIN
                    IF NEW.external_id = 'S0005500' THEN RAISE EXCEPTION 'sessions table is read-only for maintenance'; END IF;
                    RETURN NEW;
                END $$;
                CREATE TRIGGER reject_s5500 BEFORE INSERT ON impact.kintell_sessions FOR EACH ROW EXECUTE FUNCTION impact.reject_s5500();
                """);
        }

        var jobId = await app.StartSessionsImportAsync(new KintellSessionsCsv { Rows = 10_000 }.ToBytes());
        var failed = await app.WaitForJobAsync(jobId, Timeout, BackfillStatus.Failed);
        using (var stopped = new CancellationTokenSource(Timeout))
        {
            await app.Client.WaitForInstanceCompletionAsync(jobId, stopped.Token);
        }

        var status = (await app.GetAsync(jobId)).Json;
        Assert.Equal(BackfillStatus.Failed, status.GetProperty("status").GetString());
        Assert.Contains("read-only for maintenance", status.GetProperty("lastError").GetString());
        Assert.Equal(5_000, failed.ProcessedRows);
        Assert.Equal(5_000, await app.CountAsync("SELECT count(*) FROM impact.kintell_sessions"));

        await using (var conn = await app.Db.DataSource.OpenConnectionAsync())
        {
            await conn.ExecuteAsync("DROP TRIGGER reject_s5500 ON impact.kintell_sessions");
        }

        var resumed = await app.ResumeAsync(jobId);
        Assert.Equal(202, resumed.Status);
        var done = await app.WaitForJobAsync(jobId, Timeout);

        Assert.Equal(10_000, done.ProcessedRows);
        Assert.Equal(10_000, done.SucceededRows);
        Assert.Equal(10_000, await app.CountAsync("SELECT count(*) FROM impact.kintell_sessions"));
    }

    [Fact]
    public async Task SemicolonBomCrlfFileWithQuotedLineBreaksUploadedAsMultipartImportsEveryRow()
    {
        await using var app = await BackfillApp.StartAsync(BackfillApp.Settings(chunkRows: 1_000));
        var csv = new KintellSessionsCsv { Rows = 40, Delimiter = ';', NewLine = "\r\n", Bom = true };
        var body = BackfillApp.Multipart("export;2025.csv", csv.ToBytes(), out var contentType);

        var upload = await app.UploadSessionsAsync(body, contentType);
        Assert.Equal(202, upload.Status);
        Assert.Equal("export;2025.csv", upload.Json.GetProperty("fileName").GetString());
        var job = await app.WaitForJobAsync(upload.Json.GetProperty("jobId").GetString()!, Timeout);

        Assert.Equal(40, job.SucceededRows);
        Assert.Equal(0, job.FailedRows);
        await using var conn = await app.Db.DataSource.OpenConnectionAsync();
        var feedback = await conn.QuerySingleAsync<(string, string, string)>(
            """
            SELECT (SELECT feedback_text FROM impact.kintell_ratings WHERE external_id = 'S0000008:participant'),
                   (SELECT feedback_text FROM impact.kintell_ratings WHERE external_id = 'S0000009:participant'),
                   (SELECT language_level FROM impact.kintell_sessions WHERE external_id = 'S0000001')
            """);
        Assert.Equal(("Great; \"really\" helpful", "Two lines:\r\nsecond line", "A2"), feedback);
        Assert.Equal(20, await app.CountAsync("SELECT count(*) FROM impact.kintell_sessions WHERE session_type = 'language'"));
        Assert.Equal(0, await app.CountAsync("SELECT count(*) FROM impact.users WHERE email <> lower(email)"));
    }

    [Fact]
    public async Task UsersCsvCreatesParticipantsAndVolunteersWithTheirEmployer()
    {
        await using var app = await BackfillApp.StartAsync(BackfillApp.Settings(chunkRows: 1_000));
        var acme = await AddCompanyAsync(app, "acme.example");
        var csv = """
            Email,Name,Linkedin_URL,Verification_status,Role when joined,grant_access,Joined_kg_at
            Olena@Example.org,Olena K,,verified,Participant,yes,2024-03-01
            jo@acme.example,"Jo, Mentor",https://linkedin.example/jo,verified,Mentor,yes,2024-03-02
            sam@elsewhere.example,Sam,,pending,Tutor,no,2024-03-03
            not-an-email,Nobody,,,,no,
            """.ReplaceLineEndings("\n");

        var upload = await app.UploadUsersAsync(Encoding.UTF8.GetBytes(csv));
        Assert.Equal(202, upload.Status);
        var job = await app.WaitForJobAsync(upload.Json.GetProperty("jobId").GetString()!, Timeout);

        Assert.Equal((3L, 1L), (job.SucceededRows, job.FailedRows));
        await using var conn = await app.Db.DataSource.OpenConnectionAsync();
        var users = (await conn.QueryAsync<(string Email, string? Name, string Role, Guid? CompanyId)>(
            "SELECT email, display_name, role, company_id FROM impact.users ORDER BY email")).ToList();
        Assert.Equal(
            [("jo@acme.example", "Jo, Mentor", "volunteer", acme), ("olena@example.org", "Olena K", "participant", null),
             ("sam@elsewhere.example", "Sam", "volunteer", null)],
            users.Select(u => (u.Email, u.Name, u.Role, u.CompanyId)));
    }

    [Fact]
    public async Task UploadWithoutTheRequiredColumnsIsRejectedAndNamesThem()
    {
        await using var app = await BackfillApp.StartAsync(BackfillApp.Settings(chunkRows: 1_000));

        var response = await app.UploadSessionsAsync(Encoding.UTF8.GetBytes("session_id,session_type,date\nS1,language,2025-01-01\n"));

        Assert.Equal(400, response.Status);
        Assert.Equal("application/problem+json", response.ContentType);
        Assert.Contains("participant_email, volunteer_email", response.Json.GetProperty("detail").GetString());
        Assert.Equal(0, await app.CountAsync("SELECT count(*) FROM impact.backfill_jobs"));
    }

    [Fact]
    public async Task JsonBodyIsRefusedAsUnsupportedMediaType()
    {
        await using var app = await BackfillApp.StartAsync(BackfillApp.Settings(chunkRows: 1_000));

        var response = await app.UploadSessionsAsync(Encoding.UTF8.GetBytes("{}"), "application/json");

        Assert.Equal(415, response.Status);
        Assert.Contains("text/csv", response.Json.GetProperty("detail").GetString());
    }

    [Fact]
    public async Task UnknownJobIsNotFoundAndACompletedJobCannotBeResumed()
    {
        await using var app = await BackfillApp.StartAsync(BackfillApp.Settings(chunkRows: 1_000));
        var missing = await app.GetAsync(Guid.NewGuid().ToString());
        var garbage = await app.PauseAsync("not-a-job");

        var jobId = await app.StartSessionsImportAsync(new KintellSessionsCsv { Rows = 10 }.ToBytes());
        await app.WaitForJobAsync(jobId, Timeout);
        var resume = await app.ResumeAsync(jobId);
        var pause = await app.PauseAsync(jobId);

        Assert.Equal((404, "application/problem+json"), (missing.Status, missing.ContentType));
        Assert.Equal(404, garbage.Status);
        Assert.Equal(409, resume.Status);
        Assert.Equal("The import is already complete", resume.Json.GetProperty("title").GetString());
        Assert.Equal(409, pause.Status);
    }

    [Fact]
    public async Task InvalidBackfillSettingsStopTheWorkerAtStartUp()
    {
        await using var db = await TestDatabase.CreateAsync();

        var error = await Assert.ThrowsAsync<OptionsValidationException>(() => DurableTestHost.StartAsync(db,
            r => r.AddOrchestrations(), b => b.AddShared(),
            new Dictionary<string, string?> { ["Backfill:ChunkRows"] = "0", ["Backfill:Container"] = "Bad_Name" }));

        Assert.Contains("Backfill:ChunkRows", error.Message);
        Assert.Contains("Backfill:Container", error.Message);
    }
}
