using System.IO.Compression;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Dapper;
using Impact.Shared.Http;
using Impact.Shared.Privacy;
using Impact.TestSupport;
using Impact.TestSupport.Durable;

namespace Impact.Ingest.Tests.Privacy;

public sealed class PrivacyExportTests
{
    private static Dictionary<string, string?> Settings(string linkLifetime = "00:10:00") => new()
    {
        ["Privacy:ExportsContainer"] = TestStorage.UniqueName("exports"),
        ["Privacy:DownloadLinkLifetime"] = linkLifetime,
    };

    [Fact]
    public async Task ExportZipHoldsEveryRowOfThePersonWithManifestHashesMatchingTheFilesAndOtherPeopleRedacted()
    {
        await using var db = await TestDatabase.CreateAsync();
        var data = await PrivacyTestData.SeedAsync(db.DataSource);
        await using var host = await PrivacyDurable.StartAsync(db, Settings());

        // A requestedBy a client still sends is ignored: the requester is the token's principal.
        var started = await host.ExportAsync(data.Alice.Token, new { userId = data.SubjectId, requestedBy = "dpo@platform" });
        Assert.Equal(202, started.Status);
        var requestId = started.Json.GetProperty("id").GetGuid();
        Assert.Equal(data.Alice.Principal, started.Json.GetProperty("requestedBy").GetString());
        Assert.Equal($"http://localhost:7071/v1/privacy/requests/{requestId}", started.Headers.Location.ToString());
        Assert.Equal("export", started.Json.GetProperty("type").GetString());
        Assert.Equal(
            started.Json.GetProperty("requestedAt").GetDateTime().AddMonths(1),
            started.Json.GetProperty("dueAt").GetDateTime());

        await host.WaitForRequestAsync(requestId);
        var status = await GetAsync(host, data.Alice, requestId);
        Assert.Equal(PrivacyRequestStatus.Completed, status.GetProperty("status").GetString());
        Assert.Equal(100, status.GetProperty("progress").GetInt32());

        using var http = new HttpClient();
        var zipBytes = await http.GetByteArrayAsync(status.GetProperty("downloadUrl").GetString());
        var files = ReadZip(zipBytes);

        // Every file the manifest names is there, and its SHA-256 matches.
        var manifest = JsonDocument.Parse(files["manifest.json"]).RootElement;
        Assert.Equal(requestId, manifest.GetProperty("requestId").GetGuid());
        var listed = manifest.GetProperty("files").EnumerateArray().ToList();
        Assert.Equal(24, listed.Count); // twelve data sets (profile … texts, journeys, cohort memberships, privacy_requests) as CSV and JSON
        foreach (var file in listed)
        {
            var name = file.GetProperty("name").GetString()!;
            Assert.Equal(file.GetProperty("sha256").GetString(), Convert.ToHexStringLower(SHA256.HashData(files[name])));
            Assert.Equal(file.GetProperty("bytes").GetInt64(), files[name].LongLength);
        }

        Assert.Contains("README.txt", files.Keys);

        // All of the subject's rows, in JSON and in CSV (header + one line per row).
        var expected = new Dictionary<string, int>
        {
            ["profile"] = 1, ["sessions"] = data.SubjectSessions, ["ratings"] = data.SubjectRatings,
            ["bookings"] = data.SubjectBookings, ["webhook_deliveries"] = data.SubjectDeliveries,
            ["events"] = data.SubjectEvents, ["privacy_requests"] = 1,
        };
        foreach (var (set, rows) in expected)
        {
            Assert.Equal(rows, JsonDocument.Parse(files[set + ".json"]).RootElement.GetArrayLength());
            Assert.Equal(rows, listed.Single(f => f.GetProperty("name").GetString() == set + ".json").GetProperty("rows").GetInt32());
        }

        var profile = JsonDocument.Parse(files["profile.json"]).RootElement[0];
        Assert.Equal(data.SubjectEmail, profile.GetProperty("email").GetString());
        var ratings = JsonDocument.Parse(files["ratings.json"]).RootElement;
        Assert.All(ratings.EnumerateArray(), r => Assert.Equal("Vera was patient, thank you!", r.GetProperty("feedback_text").GetString()));

        // The CSV holds the same rows; a topic with a comma and quotes survives RFC 4180 quoting.
        var sessionsCsv = Encoding.UTF8.GetString(files["sessions.csv"]);
        Assert.StartsWith("id,external_id,session_type,your_role,other_party,", sessionsCsv);
        Assert.Contains("\"[\"\"grammar, tenses\"\",\"\"work \\\"\"CV\\\"\"\"\"]\"", sessionsCsv);
        Assert.Equal(data.SubjectSessions + 1, sessionsCsv.Split("\r\n", StringSplitOptions.RemoveEmptyEntries).Length);

        // Nothing in the archive names the other person, by e-mail or by id; the subject's own e-mail is there.
        var everything = string.Join("\n", files.Values.Select(Encoding.UTF8.GetString));
        Assert.DoesNotContain(data.OtherEmail, everything, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain(data.OtherId.ToString(), everything, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("Amira improved a lot", everything, StringComparison.Ordinal);
        Assert.Contains("[redacted]", everything, StringComparison.Ordinal);
        var session = JsonDocument.Parse(files["sessions.json"]).RootElement[0];
        Assert.Equal("participant", session.GetProperty("your_role").GetString());
        Assert.Equal("[redacted]", session.GetProperty("other_party").GetString());

        // Audit rows and the completion event.
        await using var conn = await db.DataSource.OpenConnectionAsync();
        var audit = (await conn.QueryAsync<(string Action, string PerformedBy)>(
            "SELECT action, performed_by FROM impact.privacy_audit_log WHERE request_id = @requestId ORDER BY id", new { requestId })).ToList();
        Assert.Equal(["requested", "export_started", "export_completed"], audit.Select(a => a.Action));
        Assert.Equal([data.Alice.Principal, PrivacyAudit.System, PrivacyAudit.System], audit.Select(a => a.PerformedBy));
        Assert.Equal(data.CompanyId, await conn.ExecuteScalarAsync<Guid>(
            "SELECT company_id FROM impact.privacy_requests WHERE id = @requestId", new { requestId }));
        var eventData = await conn.QuerySingleAsync<string>(
            "SELECT data::text FROM impact.events WHERE type = 'privacy.export.completed' AND correlation_id = @id", new { id = requestId.ToString() });
        Assert.Equal(requestId, JsonDocument.Parse(eventData).RootElement.GetProperty("requestId").GetGuid());
    }

    [Fact]
    public async Task DownloadLinkStopsWorkingAfterItsLifetime()
    {
        await using var db = await TestDatabase.CreateAsync();
        var data = await PrivacyTestData.SeedAsync(db.DataSource, sessions: 1);
        await using var host = await PrivacyDurable.StartAsync(db, Settings(linkLifetime: "00:00:02"));
        var started = await host.ExportAsync(data.Alice.Token, new { userId = data.SubjectId });
        var requestId = started.Json.GetProperty("id").GetGuid();
        await host.WaitForRequestAsync(requestId);

        var status = await GetAsync(host, data.Alice, requestId);
        var url = status.GetProperty("downloadUrl").GetString();
        var expiresAt = status.GetProperty("downloadExpiresAt").GetDateTimeOffset();
        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(url)).StatusCode);

        // SAS expiry has one-second resolution: wait until a second past it.
        var wait = expiresAt - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1.5);
        if (wait > TimeSpan.Zero)
        {
            await Task.Delay(wait);
        }

        Assert.Equal(HttpStatusCode.Forbidden, (await http.GetAsync(url)).StatusCode);
        // A fresh read of the request gives a fresh link.
        var again = await GetAsync(host, data.Alice, requestId);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(again.GetProperty("downloadUrl").GetString())).StatusCode);
    }

    [Fact]
    public async Task ExportOfAnUnknownPersonIsNotFoundAndAMissingUserIdIsABadRequest()
    {
        await using var db = await TestDatabase.CreateAsync();
        await using var host = await PrivacyDurable.StartAsync(db, Settings());
        var officer = new PrivacyOfficer("dpo", await PrivacyTestData.OtherCompanyAsync(db.DataSource));

        var unknown = await host.ExportAsync(officer.Token, new { userId = Guid.NewGuid() });
        var missing = await host.ExportAsync(officer.Token, new { requestedBy = "dpo" });
        var notJson = await host.ExportAsync(
            HttpInvoker.Request("POST", "/v1/privacy/exports", Encoding.UTF8.GetBytes("{userId:"), headers: PrivacyDurable.Auth(officer.Token)));

        Assert.Equal(404, unknown.Status);
        Assert.Equal(ApiResults.ProblemContentType, unknown.ContentType);
        Assert.Contains("no user with id", unknown.Json.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(400, missing.Status);
        Assert.True(missing.Json.GetProperty("errors").TryGetProperty("userId", out _));
        Assert.Equal(400, notJson.Status);
        await using var conn = await db.DataSource.OpenConnectionAsync();
        Assert.Equal(0, await conn.ExecuteScalarAsync<int>("SELECT count(*) FROM impact.privacy_requests"));
    }

    [Fact]
    public async Task AnExportWhosePersonVanishedFailsWithTheReasonOnTheRequest()
    {
        await using var db = await TestDatabase.CreateAsync();
        var data = await PrivacyTestData.SeedAsync(db.DataSource, sessions: 1);
        await using var host = await PrivacyDurable.StartAsync(db, Settings());
        var requestId = Guid.NewGuid();
        await host.Requests().CreateAsync(requestId, data.SubjectId, PrivacyRequestTypes.Export, data.Alice.Caller);
        await using (var conn = await db.DataSource.OpenConnectionAsync())
        {
            // Erased by other means between the request and the export.
            await conn.ExecuteAsync(
                """
                UPDATE impact.kintell_sessions SET participant_id = NULL WHERE participant_id = @id;
                UPDATE impact.kintell_ratings SET rater_id = NULL WHERE rater_id = @id;
                UPDATE impact.kintell_bookings SET participant_id = NULL WHERE participant_id = @id;
                DELETE FROM impact.users WHERE id = @id;
                """, new { id = data.SubjectId });
        }

        await host.Client.ScheduleNewOrchestrationInstanceAsync(
            nameof(Impact.Orchestrations.Privacy.PrivacyExportOrchestrator), requestId,
            new Microsoft.DurableTask.StartOrchestrationOptions(InstanceId: requestId.ToString()));

        Assert.Equal(PrivacyRequestStatus.Failed, await host.WaitForRequestAsync(requestId));
        var status = await GetAsync(host, data.Alice, requestId);
        Assert.Equal(PrivacyRequestStatus.Failed, status.GetProperty("status").GetString());
        Assert.Equal(PrivacyRequestStore.ErasedBeforeCompletion, status.GetProperty("error").GetString());
        Assert.False(status.TryGetProperty("downloadUrl", out _));
    }

    internal static async Task<JsonElement> GetAsync(DurableTestHost host, PrivacyOfficer officer, Guid requestId)
    {
        var response = await host.ReadAsync(officer.Token, requestId.ToString());
        Assert.Equal(200, response.Status);
        return response.Json;
    }

    private static Dictionary<string, byte[]> ReadZip(byte[] zipBytes)
    {
        using var zip = new ZipArchive(new MemoryStream(zipBytes), ZipArchiveMode.Read);
        return zip.Entries.ToDictionary(e => e.FullName, e =>
        {
            using var s = e.Open();
            using var ms = new MemoryStream();
            s.CopyTo(ms);
            return ms.ToArray();
        });
    }
}
