using System.Text;
using Dapper;
using Impact.Shared.Backfill;
using Impact.Shared.Security;
using Impact.TestSupport;
using Impact.TestSupport.Backfill;
using Impact.TestSupport.Security;

namespace Impact.Ingest.Tests.Backfill;

/// <summary>SPEC §F on the imports: company scoping, roles, and the audit rows naming the token's principal.</summary>
public sealed class BackfillAccessTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task AnotherCompanysAdministratorGetsTheSame404AsForAnUnknownJobAndChangesNothing()
    {
        await using var app = await BackfillApp.StartAsync(BackfillApp.Settings(chunkRows: 1_000));
        var other = await BackfillApp.AddCompanyAsync(app.Db, null, "Other Co");
        var otherAdmin = TestTokens.LocalToken(new TokenClaims("other-admin", other, [Roles.CompanyAdmin], "Olga Other"));
        var jobId = await app.StartSessionsImportAsync(new KintellSessionsCsv { Rows = 10 }.ToBytes());
        await app.WaitForJobAsync(jobId, Timeout);
        var unknown = Guid.NewGuid().ToString();

        var responses = new[]
        {
            (await app.GetAsync(jobId, otherAdmin), await app.GetAsync(unknown, otherAdmin)),
            (await app.GetErrorsAsync(jobId, otherAdmin), await app.GetErrorsAsync(unknown, otherAdmin)),
            (await app.PauseAsync(jobId, otherAdmin), await app.PauseAsync(unknown, otherAdmin)),
            (await app.ResumeAsync(jobId, otherAdmin), await app.ResumeAsync(unknown, otherAdmin)),
        };

        Assert.All(responses, pair =>
        {
            var (theirs, missing) = pair;
            Assert.Equal((404, "application/problem+json"), (theirs.Status, theirs.ContentType));
            Assert.Equal(missing.Status, theirs.Status);
            Assert.Equal(missing.Json.GetProperty("title").GetString(), theirs.Json.GetProperty("title").GetString());
            Assert.Equal(missing.Json.GetProperty("detail").GetString()!.Replace(unknown, "<id>", StringComparison.Ordinal),
                theirs.Json.GetProperty("detail").GetString()!.Replace(jobId, "<id>", StringComparison.Ordinal));
        });
        // Nothing about the job was shown or changed, and nothing was audited for the other company.
        Assert.All(responses, pair => Assert.DoesNotContain("sessions.csv", pair.Item1.Body, StringComparison.Ordinal));
        Assert.Equal(BackfillStatus.Completed, (await app.Jobs.GetAsync(Guid.Parse(jobId), company: null)).Status);
        Assert.Equal(0, await app.CountAsync("SELECT count(*) FROM impact.audit_log WHERE performed_by = 'other-admin'"));
        // The owner still sees it, and the job is recorded as the owner's company's.
        Assert.Equal(200, (await app.GetAsync(jobId)).Status);
        Assert.Equal(app.CompanyId, (await app.Jobs.GetAsync(Guid.Parse(jobId), company: null)).CompanyId);
    }

    [Fact]
    public async Task AnOperatorReachesEveryCompanysImportAndAnOperatorsImportBelongsToNoCompany()
    {
        await using var app = await BackfillApp.StartAsync(BackfillApp.Settings(chunkRows: 1_000));
        var operatorToken = TestTokens.LocalToken(new TokenClaims("platform-op", null, [Roles.Operator], "Pat Operator"));
        var companyJob = await app.StartSessionsImportAsync(new KintellSessionsCsv { Rows = 10 }.ToBytes());
        await app.WaitForJobAsync(companyJob, Timeout);

        var operatorJob = await app.StartSessionsImportAsync(new KintellSessionsCsv { Rows = 10 }.ToBytes(), operatorToken);
        await app.WaitForJobAsync(operatorJob, Timeout);

        Assert.Equal(200, (await app.GetAsync(companyJob, operatorToken)).Status);
        Assert.Equal(200, (await app.GetErrorsAsync(companyJob, operatorToken)).Status);
        Assert.Equal(200, (await app.GetAsync(operatorJob, operatorToken)).Status);
        Assert.Null((await app.Jobs.GetAsync(Guid.Parse(operatorJob), company: null)).CompanyId);
        // A platform-wide import is not any one company's.
        Assert.Equal(404, (await app.GetAsync(operatorJob)).Status);
    }

    [Fact]
    public async Task ATokenWithoutTheRoleIsForbiddenAndNoTokenIsUnauthorized()
    {
        await using var app = await BackfillApp.StartAsync(BackfillApp.Settings(chunkRows: 1_000));
        var jobId = await app.StartSessionsImportAsync(new KintellSessionsCsv { Rows = 10 }.ToBytes());
        var officer = TestTokens.LocalToken(new TokenClaims("officer-1", app.CompanyId, [Roles.PrivacyOfficer]));
        var unknownCompany = TestTokens.Admin(Guid.NewGuid(), "ghost-admin");

        var upload = await app.UploadSessionsAsync(new KintellSessionsCsv { Rows = 10 }.ToBytes(), token: officer);
        var get = await app.GetAsync(jobId, officer);
        var pause = await app.PauseAsync(jobId, officer);
        var anonymous = await app.Services.CallAsync(HttpInvoker.Request("GET", $"/v1/imports/{jobId}"),
            r => app.Functions.GetImport(r, jobId, CancellationToken.None));
        var ghost = await app.UploadSessionsAsync(new KintellSessionsCsv { Rows = 10 }.ToBytes(), token: unknownCompany);

        Assert.All([upload, get, pause], r =>
        {
            Assert.Equal((403, "application/problem+json"), (r.Status, r.ContentType));
            Assert.Contains(Roles.CompanyAdmin, r.Json.GetProperty("detail").GetString());
        });
        Assert.Equal((401, "application/problem+json"), (anonymous.Status, anonymous.ContentType));
        Assert.Equal((403, "Unknown company"), (ghost.Status, ghost.Json.GetProperty("title").GetString()));
        Assert.Equal(1, await app.CountAsync("SELECT count(*) FROM impact.backfill_jobs"));
        Assert.Equal(0, await app.CountAsync("SELECT count(*) FROM impact.audit_log WHERE performed_by IN ('officer-1', 'ghost-admin')"));
    }

    [Fact]
    public async Task EveryChangeLeavesAnAuditRowNamingTheTokensPrincipalAndIgnoresAPerformedByHeader()
    {
        await using var app = await BackfillApp.StartAsync(BackfillApp.Settings(chunkRows: 500));
        var impostor = new Dictionary<string, string> { ["X-Performed-By"] = "somebody-else" };

        var users = await app.UploadUsersAsync(Encoding.UTF8.GetBytes(
            "Email,Name,Linkedin_URL,Verification_status,Role when joined,grant_access,Joined_kg_at\nann@example.org,Ann,,verified,Participant,yes,2024-03-01\n"));
        Assert.Equal(202, users.Status);
        var usersJob = users.Json.GetProperty("jobId").GetString()!;
        var sessionsJob = await app.StartSessionsImportAsync(new KintellSessionsCsv { Rows = 10_000 }.ToBytes());
        var paused = await app.PauseAsync(sessionsJob, headers: impostor);
        Assert.Equal(202, paused.Status);
        await Poll.UntilAsync(async () => (await app.Client.GetInstanceAsync(sessionsJob, getInputsAndOutputs: true))?.SerializedCustomStatus?.Contains($"\"{BackfillStatus.Paused}\"", StringComparison.Ordinal) == true,
            Timeout, "the orchestration to stop for the pause");
        var resumed = await app.ResumeAsync(sessionsJob, headers: impostor);
        Assert.Equal(202, resumed.Status);
        await app.WaitForJobAsync(sessionsJob, Timeout);

        await using var conn = await app.Db.DataSource.OpenConnectionAsync();
        var rows = (await conn.QueryAsync<(string Action, string Subject, string PerformedBy, string? PerformerName, Guid? CompanyId, string Details)>(
            "SELECT action, subject, performed_by, performer_name, company_id, details::text FROM impact.audit_log ORDER BY id")).ToList();
        Assert.Equal(
            [("import.create", $"import:{usersJob}"), ("import.create", $"import:{sessionsJob}"),
             ("import.pause", $"import:{sessionsJob}"), ("import.resume", $"import:{sessionsJob}")],
            rows.Select(r => (r.Action, r.Subject)));
        Assert.All(rows, r => Assert.Equal((BackfillApp.AdminPrincipal, "Ada Importer", app.CompanyId),
            (r.PerformedBy, r.PerformerName, r.CompanyId)));
        Assert.Contains("\"kind\": \"kintell-users\"", rows[0].Details, StringComparison.Ordinal);
        Assert.Contains("\"bytes\"", rows[1].Details, StringComparison.Ordinal);
        // No personal data from the file in the audit log.
        Assert.All(rows, r => Assert.DoesNotContain("ann@example.org", r.Details, StringComparison.Ordinal));
        Assert.Equal(0, await app.CountAsync("SELECT count(*) FROM impact.audit_log WHERE performed_by = 'somebody-else' OR details::text LIKE '%somebody-else%'"));
    }
}
