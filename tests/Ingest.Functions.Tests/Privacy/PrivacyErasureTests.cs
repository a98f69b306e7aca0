using System.Text;
using System.Text.Json;
using Azure.Storage.Blobs.Specialized;
using Dapper;
using Impact.Shared.Backfill;
using Impact.Shared.Http;
using Impact.Shared.Privacy;
using Impact.TestSupport;
using Impact.TestSupport.Backfill;
using Impact.TestSupport.Durable;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace Impact.Ingest.Tests.Privacy;

public sealed class PrivacyErasureTests
{
    private static Dictionary<string, string?> Settings(string approvalTimeout = "00:05:00") => new()
    {
        ["Privacy:ExportsContainer"] = TestStorage.UniqueName("exports"),
        ["Privacy:ApprovalTimeout"] = approvalTimeout,
    };

    [Fact]
    public async Task TheRequestersOwnApprovalIsRefusedWhateverNameTheBodyCarriesAndTheRefusalIsAudited()
    {
        await using var db = await TestDatabase.CreateAsync();
        var data = await PrivacyTestData.SeedAsync(db.DataSource, sessions: 1);
        await using var host = await PrivacyDurable.StartAsync(db, Settings());
        var requestId = await RequestDeletionAsync(host, data.Alice, data.SubjectId);

        // Alice's own token, with the second officer's name (and her own, as before) typed into the body.
        var approval = await host.DecideAsync(data.Alice.Token, requestId, "approve", new { approvedBy = data.Bob.Principal });
        var again = await host.DecideAsync(data.Alice.Token, requestId, "approve", new { approvedBy = " Alice@Platform " });

        Assert.Equal(403, approval.Status);
        Assert.Equal(ApiResults.ProblemContentType, approval.ContentType);
        Assert.Equal("A second administrator must approve", approval.Json.GetProperty("title").GetString());
        Assert.Equal(403, again.Status);
        var status = await PrivacyExportTests.GetAsync(host, data.Alice, requestId);
        Assert.Equal(PrivacyRequestStatus.AwaitingApproval, status.GetProperty("status").GetString());
        Assert.False(status.TryGetProperty("approvedBy", out _));
        await using var conn = await db.DataSource.OpenConnectionAsync();
        Assert.Equal(1, await conn.ExecuteScalarAsync<int>("SELECT count(*) FROM impact.users WHERE id = @id", new { id = data.SubjectId }));
        // The refusals are on the record although the calls failed.
        var audit = (await conn.QueryAsync<(string Action, string PerformedBy)>(
            "SELECT action, performed_by FROM impact.privacy_audit_log WHERE request_id = @requestId ORDER BY id", new { requestId })).ToList();
        Assert.Equal([("requested", "alice"), ("approval_refused", "alice"), ("approval_refused", "alice")], audit);

        // The second officer's approval still goes through.
        var approved = await host.DecideAsync(data.Bob.Token, requestId, "approve");
        Assert.Equal(202, approved.Status);
        Assert.Equal(PrivacyRequestStatus.Completed, await host.WaitForRequestAsync(requestId));
    }

    [Fact]
    public async Task AfterApprovalNoRowAnywhereHoldsThePersonAggregatesRemainAndEveryStepIsAudited()
    {
        await using var db = await TestDatabase.CreateAsync();
        var data = await PrivacyTestData.SeedAsync(db.DataSource);
        await using var host = await PrivacyDurable.StartAsync(db, Settings());
        await using var conn = await db.DataSource.OpenConnectionAsync();

        // An export made earlier, whose ZIP must go too.
        var export = await host.ExportAsync(data.Alice.Token, new { userId = data.SubjectId });
        var exportId = export.Json.GetProperty("id").GetGuid();
        await host.WaitForRequestAsync(exportId);
        var exportLocation = await conn.ExecuteScalarAsync<string>(
            "SELECT result_location FROM impact.privacy_requests WHERE id = @exportId", new { exportId });
        var exportBlob = BlobAt(exportLocation!);
        Assert.True((await exportBlob.ExistsAsync()).Value);

        // Error messages that quote the person: a failed delivery (as PostgreSQL words a key conflict) and a failed import.
        await conn.ExecuteAsync(
            """
            UPDATE impact.webhook_deliveries SET last_error = 'duplicate key: Key (email)=(' || upper(@email) || ') already exists; user ' || @id
            WHERE id = (SELECT min(id) FROM impact.webhook_deliveries);
            INSERT INTO impact.backfill_jobs (id, kind, file_name, blob_container, blob_name, file_bytes, delimiter, columns,
                status, checkpoint_offset, checkpoint_row, checkpoint_line, error_blob_name, last_error)
            VALUES (gen_random_uuid(), 'kintell-users', 'users.csv', 'gone', 'uploads/gone.csv', 100, ',', ARRAY['Email'],
                'failed', 0, 1, 1, 'errors/gone.csv', 'row 2: ' || @email || ' could not be saved');
            """, new { email = data.SubjectEmail, id = data.SubjectId.ToString() });

        var before = await AggregatesAsync(conn);
        var hashesBefore = (await conn.QueryAsync<string>("SELECT payload_hash FROM impact.webhook_deliveries ORDER BY id")).ToList();

        var requestId = await RequestDeletionAsync(host, data.Alice, data.SubjectId);
        // A second privacy officer of the company approves; a name in the body is ignored.
        var approval = await host.DecideAsync(data.Bob.Token, requestId, "approve", new { approvedBy = "someone@else" });
        Assert.Equal(202, approval.Status);
        Assert.Equal(PrivacyRequestStatus.Completed, await host.WaitForRequestAsync(requestId));

        // No row in any table of the schema mentions the person's id or e-mail — a scan of every column,
        // not only those the privacy map knows.
        Assert.Empty(await TablesMentioningAsync(conn, data.SubjectId.ToString()));
        Assert.Empty(await TablesMentioningAsync(conn, data.SubjectEmail));
        Assert.Empty(await TablesMentioningAsync(conn, "Vera was patient"));
        // The volunteer's feedback on their sessions with the person described the person: gone too.
        Assert.Empty(await TablesMentioningAsync(conn, "Amira improved a lot"));
        Assert.Equal(0, await PrivacyErasure.CountRemainingAsync(conn, null, data.SubjectId, data.SubjectEmail));

        // The other person is untouched and still found where they were.
        Assert.NotEmpty(await TablesMentioningAsync(conn, data.OtherEmail));
        Assert.Equal(data.SubjectSessions, await conn.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM impact.kintell_sessions WHERE volunteer_id = @id AND participant_id IS NULL", new { id = data.OtherId }));
        Assert.Equal(data.SubjectSessions, await conn.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM impact.kintell_ratings WHERE rater_id = @id AND rating = 4", new { id = data.OtherId }));

        // Aggregates survive: same sessions, minutes, ratings and their values; stored deliveries keep their hash.
        Assert.Equal(before, await AggregatesAsync(conn));
        Assert.Equal(hashesBefore, (await conn.QueryAsync<string>("SELECT payload_hash FROM impact.webhook_deliveries ORDER BY id")).ToList());
        var scrubbed = await conn.QuerySingleAsync<string>(
            "SELECT payload::text FROM impact.webhook_deliveries WHERE event_type = 'booking-confirmed' AND payload ->> 'volunteer_email' = @e AND payload ->> 'participant_email' = '[erased]'",
            new { e = data.OtherEmail });
        Assert.Contains("\"booking_id\"", scrubbed, StringComparison.Ordinal);

        // The export ZIP is gone, and its request no longer points at it.
        Assert.False((await exportBlob.ExistsAsync()).Value);
        var exportStatus = await PrivacyExportTests.GetAsync(host, data.Alice, exportId);
        Assert.False(exportStatus.TryGetProperty("userId", out _));
        Assert.False(exportStatus.TryGetProperty("downloadUrl", out _));

        // Every step audited, in the fixed order, by the approver.
        var audit = (await conn.QueryAsync<(string Action, string PerformedBy)>(
            "SELECT action, performed_by FROM impact.privacy_audit_log WHERE request_id = @requestId ORDER BY id", new { requestId })).ToList();
        Assert.Equal(
            ["requested", "approved", "export_blobs_deleted", "backfill_file_records_masked", "error_texts_scrubbed", "webhook_payloads_anonymised", "events_anonymised", "ratings_anonymised", "texts_deleted", "outcome_scores_unlinked",
             "sessions_anonymised", "bookings_anonymised", "idempotent_answers_deleted", "user_deleted", "verified", "completed"],
            audit.Select(a => a.Action));
        Assert.Equal(data.Alice.Principal, audit[0].PerformedBy);
        Assert.All(audit.Skip(1), a => Assert.Equal(data.Bob.Principal, a.PerformedBy));
        var rows = await conn.QueryAsync<(string Action, int Rows)>(
            "SELECT action, (details ->> 'rows')::int FROM impact.privacy_audit_log WHERE request_id = @requestId AND details ? 'rows'", new { requestId });
        Assert.Equal(1, rows.Single(r => r.Action == "export_blobs_deleted").Rows);
        Assert.Equal(2, rows.Single(r => r.Action == "error_texts_scrubbed").Rows);
        Assert.StartsWith("duplicate key: Key (email)=([erased]) already exists; user [erased]",
            await conn.ExecuteScalarAsync<string>("SELECT last_error FROM impact.webhook_deliveries WHERE last_error IS NOT NULL"));
        // The person's own deliveries, plus the volunteer's rating payloads whose feedback described the person.
        Assert.Equal(data.SubjectDeliveries + data.SubjectSessions, rows.Single(r => r.Action == "webhook_payloads_anonymised").Rows);
        Assert.Equal(data.SubjectSessions, rows.Single(r => r.Action == "sessions_anonymised").Rows);

        var status = await PrivacyExportTests.GetAsync(host, data.Alice, requestId);
        Assert.Equal(PrivacyRequestStatus.Completed, status.GetProperty("status").GetString());
        Assert.Equal(100, status.GetProperty("progress").GetInt32());
        Assert.Equal(data.Bob.Principal, status.GetProperty("approvedBy").GetString());
        Assert.Equal(data.Alice.Principal, status.GetProperty("requestedBy").GetString());
        Assert.Equal(1, await conn.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM impact.events WHERE type = 'privacy.user.deleted' AND data ->> 'requestId' = @id", new { id = requestId.ToString() }));
    }

    [Fact]
    public async Task TheErasedPersonsRecordsInBackfillFilesAreMaskedInPlaceAndAnImportNotYetRunCannotBringThemBack()
    {
        await using var db = await TestDatabase.CreateAsync();
        var data = await PrivacyTestData.SeedAsync(db.DataSource, sessions: 1);
        await using var host = await PrivacyDurable.StartAsync(db, Settings());
        var blobs = TestStorage.Blobs();
        var container = blobs.GetBlobContainerClient(TestStorage.UniqueName("backfill"));
        var lookalike = "jo" + data.SubjectEmail; // another address that merely contains the person's
        var file = Encoding.UTF8.GetBytes(
            "session_id;session_type;participant_email;volunteer_email;date;duration_min;rating;feedback_text;language_level\r\n" +
            $"S1;Language;{data.SubjectEmail.ToUpperInvariant()};{data.OtherEmail};2025-03-01;45;5;\"Amira said \"\"thanks\"\";\r\nsee you\";B1\r\n" +
            $"S2;Mentoring;someone.else@example.org;{data.OtherEmail};2025-03-02;30;4;Fine;\r\n" +
            $"S3;Language;{lookalike};{data.OtherEmail};2025-03-03;30;;;A2\r\n" +
            $"S4;Cooking;{data.SubjectEmail};{data.OtherEmail};2025-03-04;30;;;\r\n");
        // Job A ran before the erasure (its error file holds S4); job B was uploaded but has not run yet.
        var jobA = await BackfillTestJobs.CreateSessionsJobAsync(db.DataSource, container, file);
        var jobB = await BackfillTestJobs.CreateSessionsJobAsync(db.DataSource, container, file);
        var imported = await BackfillTestJobs.Importer(db.DataSource, chunkRows: 100, chunksPerActivity: 1).ImportChunksAsync(jobA);
        Assert.Equal(1, imported.FailedRows);
        var errorFile = container.GetBlockBlobClient($"errors/{jobA}.csv");
        var blocksBefore = (await errorFile.GetBlockListAsync()).Value.CommittedBlocks.Select(b => b.Name).ToList();

        var requestId = await RequestDeletionAsync(host, data.Alice, data.SubjectId);
        Assert.Equal(202, (await host.DecideAsync(data.Bob.Token, requestId, "approve")).Status);
        var outcome = await host.WaitForRequestAsync(requestId);
        Assert.True(outcome == PrivacyRequestStatus.Completed, (await PrivacyExportTests.GetAsync(host, data.Alice, requestId)).ToString());

        var fileText = Encoding.UTF8.GetString(file);
        foreach (var job in new[] { jobA, jobB })
        {
            var after = (await container.GetBlobClient($"uploads/{job}.csv").DownloadContentAsync()).Value.Content.ToArray();
            var text = Encoding.UTF8.GetString(after);
            Assert.Equal(file.Length, after.Length);
            Assert.False(NamesAddress(text, data.SubjectEmail), text);
            Assert.DoesNotContain("thanks", text, StringComparison.Ordinal);
            // Only S1 and S4 changed; quotes, delimiters and line breaks stayed where they were.
            Assert.Equal(fileText.Split("\r\n")[3..5], text.Split("\r\n")[3..5]);
            Assert.Equal(new string('*', 2) + ";" + new string('*', "Language".Length) + ";", text.Split("\r\n")[1][..12]);
            Assert.Equal(fileText.Count(c => c is ';' or '"' or '\n'), text.Count(c => c is ';' or '"' or '\n'));
            Assert.Contains(lookalike, text, StringComparison.Ordinal);
        }

        var errors = (await errorFile.DownloadContentAsync()).Value.Content.ToString();
        Assert.False(NamesAddress(errors, data.SubjectEmail), errors);
        Assert.StartsWith("session_id;session_type;", errors, StringComparison.Ordinal);
        Assert.Equal(blocksBefore, (await errorFile.GetBlockListAsync()).Value.CommittedBlocks.Select(b => b.Name).ToList());
        await using var conn = await db.DataSource.OpenConnectionAsync();
        // S1 and S4 in both uploads, S4 in job A's error file.
        Assert.Equal(5, await conn.ExecuteScalarAsync<int>(
            "SELECT (details ->> 'rows')::int FROM impact.privacy_audit_log WHERE request_id = @requestId AND action = 'backfill_file_records_masked'",
            new { requestId }));

        // Job B now runs: the masked records are rejected, so the person is not re-created.
        var late = await BackfillTestJobs.Importer(db.DataSource, chunkRows: 100, chunksPerActivity: 1).ImportChunksAsync(jobB);
        Assert.Equal("completed", late.Status);
        Assert.Equal(2, late.FailedRows);
        Assert.Equal(0, await PrivacyErasure.CountRemainingAsync(conn, null, data.SubjectId, data.SubjectEmail));
        Assert.Equal(0, await conn.ExecuteScalarAsync<int>("SELECT count(*) FROM impact.users WHERE email = @e", new { e = data.SubjectEmail }));
        Assert.Equal(1, await conn.ExecuteScalarAsync<int>("SELECT count(*) FROM impact.users WHERE email = @lookalike", new { lookalike }));
    }

    // The address on its own, in any case — not as the tail of a longer address such as the look-alike.
    private static bool NamesAddress(string text, string email) =>
        System.Text.RegularExpressions.Regex.IsMatch(text, $@"(?<![A-Za-z0-9._%+@-]){System.Text.RegularExpressions.Regex.Escape(email)}(?![A-Za-z0-9._%+@-])",
            System.Text.RegularExpressions.RegexOptions.IgnoreCase);

    [Fact]
    public async Task RunningAFinishedErasureAgainChangesNothing()
    {
        await using var db = await TestDatabase.CreateAsync();
        var data = await PrivacyTestData.SeedAsync(db.DataSource, sessions: 2);
        await using var host = await PrivacyDurable.StartAsync(db, Settings());
        var requestId = await RequestDeletionAsync(host, data.Alice, data.SubjectId);
        Assert.Equal(202, (await host.DecideAsync(data.Bob.Token, requestId, "approve")).Status);
        await host.WaitForRequestAsync(requestId);
        await using var conn = await db.DataSource.OpenConnectionAsync();
        var before = await SnapshotAsync(conn);

        var erasure = host.Services.GetRequiredService<PrivacyErasure>();
        var again = await erasure.RunAsync(requestId);

        Assert.Equal(PrivacyRequestStatus.Completed, again.Status);
        Assert.Empty(again.Steps);
        Assert.Equal(before, await SnapshotAsync(conn));
        // A new erasure request for the erased person finds nobody.
        var second = await host.DeletionAsync(data.Alice.Token, new { userId = data.SubjectId });
        Assert.Equal(404, second.Status);
    }

    [Fact]
    public async Task AnErasureNobodyApprovesExpiresAndKeepsTheData()
    {
        await using var db = await TestDatabase.CreateAsync();
        var data = await PrivacyTestData.SeedAsync(db.DataSource, sessions: 1);
        await using var host = await PrivacyDurable.StartAsync(db, Settings(approvalTimeout: "00:00:01"));

        var requestId = await RequestDeletionAsync(host, data.Alice, data.SubjectId);

        Assert.Equal(PrivacyRequestStatus.Expired, await host.WaitForRequestAsync(requestId));
        var status = await PrivacyExportTests.GetAsync(host, data.Alice, requestId);
        Assert.Equal(PrivacyRequestStatus.Expired, status.GetProperty("status").GetString());
        var late = await host.DecideAsync(data.Bob.Token, requestId, "approve");
        Assert.Equal(409, late.Status);
        await using var conn = await db.DataSource.OpenConnectionAsync();
        Assert.Equal(1, await conn.ExecuteScalarAsync<int>("SELECT count(*) FROM impact.users WHERE id = @id", new { id = data.SubjectId }));
        Assert.Equal([("requested", data.Alice.Principal), ("expired", PrivacyAudit.System)], await conn.QueryAsync<(string, string)>(
            "SELECT action, performed_by FROM impact.privacy_audit_log WHERE request_id = @requestId ORDER BY id", new { requestId }));
    }

    [Fact]
    public async Task AnApprovalRecordedWhoseEventNeverArrivedIsStillCarriedOutWhenTheTimerFires()
    {
        await using var db = await TestDatabase.CreateAsync();
        var data = await PrivacyTestData.SeedAsync(db.DataSource, sessions: 1);
        await using var host = await PrivacyDurable.StartAsync(db, Settings(approvalTimeout: "00:00:02"));
        var requestId = await RequestDeletionAsync(host, data.Alice, data.SubjectId);

        // The approval commits, but the process dies before raising the event.
        await host.Requests().ApproveAsync(requestId, data.Bob.Caller);

        Assert.Equal(PrivacyRequestStatus.Completed, await host.WaitForRequestAsync(requestId));
        await using var conn = await db.DataSource.OpenConnectionAsync();
        Assert.Empty(await TablesMentioningAsync(conn, data.SubjectEmail));
        Assert.DoesNotContain("expired", await conn.QueryAsync<string>(
            "SELECT action FROM impact.privacy_audit_log WHERE request_id = @requestId", new { requestId }));
    }

    [Fact]
    public async Task ARejectedErasureEndsWithoutTouchingTheDataAndASecondOpenRequestIsAConflict()
    {
        await using var db = await TestDatabase.CreateAsync();
        var data = await PrivacyTestData.SeedAsync(db.DataSource, sessions: 1);
        await using var host = await PrivacyDurable.StartAsync(db, Settings());
        var requestId = await RequestDeletionAsync(host, data.Alice, data.SubjectId);

        var duplicate = await host.DeletionAsync(new PrivacyOfficer("carol", data.CompanyId).Token, new { userId = data.SubjectId });
        var rejected = await host.DecideAsync(data.Bob.Token, requestId, "reject", new { rejectedBy = "someone@else" });

        Assert.Equal(409, duplicate.Status);
        Assert.Contains(requestId.ToString(), duplicate.Json.GetProperty("detail").GetString() ?? "", StringComparison.Ordinal);
        Assert.Equal(200, rejected.Status);
        Assert.Equal(data.Bob.Principal, rejected.Json.GetProperty("rejectedBy").GetString());
        Assert.Equal(PrivacyRequestStatus.Rejected, await host.WaitForRequestAsync(requestId));
        Assert.Equal(PrivacyRequestStatus.Rejected, (await PrivacyExportTests.GetAsync(host, data.Alice, requestId)).GetProperty("status").GetString());
        await using var conn = await db.DataSource.OpenConnectionAsync();
        Assert.NotEmpty(await TablesMentioningAsync(conn, data.SubjectEmail));
    }

    [Fact]
    public async Task DeletionRequestsWithoutAUserIdOrForAnUnknownRequestAreProblemsAndTheRequesterIsAlwaysTheToken()
    {
        await using var db = await TestDatabase.CreateAsync();
        var data = await PrivacyTestData.SeedAsync(db.DataSource, sessions: 1);
        await using var host = await PrivacyDurable.StartAsync(db, Settings());

        // No requestedBy in the body: the requester is the token's principal, so there is always one.
        var noRequester = await host.DeletionAsync(data.Alice.Token, new { userId = data.SubjectId });
        var noUser = await host.DeletionAsync(data.Alice.Token, new { requestedBy = "alice@platform" });
        var unknown = await host.DecideAsync(data.Bob.Token, Guid.NewGuid(), "approve");
        var notAnId = await host.ReadAsync(data.Alice.Token, "abc");

        Assert.Equal(202, noRequester.Status);
        Assert.Equal(data.Alice.Principal, noRequester.Json.GetProperty("requestedBy").GetString());
        Assert.Equal(400, noUser.Status);
        Assert.True(noUser.Json.GetProperty("errors").TryGetProperty("userId", out _));
        Assert.Equal(404, unknown.Status);
        Assert.Equal(404, notAnId.Status);
        Assert.Equal(ApiResults.ProblemContentType, notAnId.ContentType);
    }

    private static async Task<Guid> RequestDeletionAsync(DurableTestHost host, PrivacyOfficer requester, Guid userId)
    {
        var response = await host.DeletionAsync(requester.Token, new { userId });
        Assert.Equal(202, response.Status);
        Assert.Equal(PrivacyRequestStatus.AwaitingApproval, response.Json.GetProperty("status").GetString());
        Assert.Equal(requester.Principal, response.Json.GetProperty("requestedBy").GetString());
        return response.Json.GetProperty("id").GetGuid();
    }

    private static Azure.Storage.Blobs.BlobClient BlobAt(string location) =>
        TestStorage.Blobs().GetBlobContainerClient(location[..location.IndexOf('/', StringComparison.Ordinal)])
            .GetBlobClient(location[(location.IndexOf('/', StringComparison.Ordinal) + 1)..]);

    /// <summary>Tables of schema impact with a row whose text (every column, as JSON) contains <paramref name="needle"/>.</summary>
    internal static async Task<List<string>> TablesMentioningAsync(NpgsqlConnection conn, string needle) =>
        (await conn.QueryAsync<string>(
            """
            SELECT t.table_name
            FROM information_schema.tables t
            CROSS JOIN LATERAL query_to_xml(
                format('SELECT count(*) AS c FROM %I.%I r WHERE strpos(lower(to_jsonb(r)::text), %L) > 0',
                       t.table_schema, t.table_name, lower(@needle)), false, true, '') AS x(result)
            WHERE t.table_schema = 'impact' AND t.table_type = 'BASE TABLE'
              AND (xpath('/row/c/text()', x.result))[1]::text::int > 0
            ORDER BY 1
            """, new { needle })).ToList();

    private static async Task<string> AggregatesAsync(NpgsqlConnection conn) =>
        await conn.QuerySingleAsync<string>(
            """
            SELECT concat_ws('|',
                (SELECT count(*) FROM impact.kintell_sessions), (SELECT sum(duration_minutes) FROM impact.kintell_sessions),
                (SELECT count(*) FROM impact.kintell_ratings), (SELECT sum(rating) FROM impact.kintell_ratings),
                (SELECT round(avg(rating_normalized)::numeric, 6) FROM impact.kintell_ratings),
                (SELECT count(*) FROM impact.kintell_bookings), (SELECT count(*) FROM impact.webhook_deliveries),
                (SELECT count(*) FROM impact.events WHERE type LIKE 'kintell.%'))
            """);

    /// <summary>Every row of every table of the schema, as text: equal snapshots mean nothing changed.</summary>
    private static async Task<string> SnapshotAsync(NpgsqlConnection conn) =>
        string.Join("\n", await conn.QueryAsync<string>(
            """
            SELECT t.table_name || ': ' || md5(coalesce(x.result::text, ''))
            FROM information_schema.tables t
            CROSS JOIN LATERAL query_to_xml(
                format('SELECT string_agg(to_jsonb(r)::text, %L ORDER BY to_jsonb(r)::text) AS s FROM %I.%I r',
                       E'\n', t.table_schema, t.table_name), false, true, '') AS x(result)
            WHERE t.table_schema = 'impact' AND t.table_type = 'BASE TABLE'
            ORDER BY 1
            """));
}
