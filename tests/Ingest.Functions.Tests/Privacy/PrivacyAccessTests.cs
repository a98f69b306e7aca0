using System.Text;
using Dapper;
using Impact.Shared.Http;
using Impact.Shared.Privacy;
using Impact.Shared.Security;
using Impact.TestSupport;
using Impact.TestSupport.Security;

namespace Impact.Ingest.Tests.Privacy;

/// <summary>
/// Tenancy, roles and audit of the privacy endpoints: a privacy officer acts only for the people of their own
/// company (anything else is the same 404 as an unknown id), other roles are refused, and every change is audited
/// under the token's principal.
/// </summary>
public sealed class PrivacyAccessTests
{
    private static Dictionary<string, string?> Settings() => new()
    {
        ["Privacy:ExportsContainer"] = TestStorage.UniqueName("exports"),
        ["Privacy:ApprovalTimeout"] = "00:05:00",
    };

    [Fact]
    public async Task ExportOrErasureOfAPersonOfAnotherCompanyOrOfNoCompanyIsTheSameNotFoundAsAnUnknownPerson()
    {
        await using var db = await TestDatabase.CreateAsync();
        var data = await PrivacyTestData.SeedAsync(db.DataSource, sessions: 1);
        await using var host = await PrivacyDurable.StartAsync(db, Settings());
        var stranger = new PrivacyOfficer("mallory", await PrivacyTestData.OtherCompanyAsync(db.DataSource));
        Guid nobodys;
        await using (var conn = await db.DataSource.OpenConnectionAsync())
        {
            nobodys = await conn.ExecuteScalarAsync<Guid>(
                "INSERT INTO impact.users (email, display_name, role) VALUES (@e, 'No Company', 'participant') RETURNING id",
                new { e = $"nobody.{Guid.NewGuid():N}@example.org" });
        }

        var unknownId = Guid.NewGuid();
        var unknown = await host.ExportAsync(stranger.Token, new { userId = unknownId });
        var attempts = new[]
        {
            (data.SubjectId, await host.ExportAsync(stranger.Token, new { userId = data.SubjectId })),
            (data.SubjectId, await host.DeletionAsync(stranger.Token, new { userId = data.SubjectId })),
            (nobodys, await host.ExportAsync(data.Alice.Token, new { userId = nobodys })),
            (nobodys, await host.DeletionAsync(data.Alice.Token, new { userId = nobodys })),
        };

        Assert.Equal(404, unknown.Status);
        foreach (var (userId, response) in attempts)
        {
            Assert.Equal(404, response.Status);
            Assert.Equal(ApiResults.ProblemContentType, response.ContentType);
            Assert.Equal(unknown.Json.GetProperty("title").GetString(), response.Json.GetProperty("title").GetString());
            // Word for word what an unknown id gets, with only the id differing.
            Assert.Equal(unknown.Json.GetProperty("detail").GetString()!.Replace(unknownId.ToString(), userId.ToString(), StringComparison.Ordinal),
                response.Json.GetProperty("detail").GetString());
        }

        await using var check = await db.DataSource.OpenConnectionAsync();
        Assert.Equal(0, await check.ExecuteScalarAsync<int>("SELECT count(*) FROM impact.privacy_requests"));
        Assert.Equal(0, await check.ExecuteScalarAsync<int>("SELECT count(*) FROM impact.privacy_audit_log"));
    }

    [Fact]
    public async Task AnotherCompanysRequestIsNotFoundToReadApproveOrRejectAndStaysUntouched()
    {
        await using var db = await TestDatabase.CreateAsync();
        var data = await PrivacyTestData.SeedAsync(db.DataSource, sessions: 1);
        await using var host = await PrivacyDurable.StartAsync(db, Settings());
        var stranger = new PrivacyOfficer("mallory", await PrivacyTestData.OtherCompanyAsync(db.DataSource));
        var export = await host.ExportAsync(data.Alice.Token, new { userId = data.SubjectId });
        var exportId = export.Json.GetProperty("id").GetGuid();
        var deletion = await host.DeletionAsync(data.Alice.Token, new { userId = data.SubjectId });
        var deletionId = deletion.Json.GetProperty("id").GetGuid();
        await host.WaitForRequestAsync(exportId);

        var unknownId = Guid.NewGuid();
        var unknownRead = await host.ReadAsync(stranger.Token, unknownId.ToString());
        var unknownApproval = await host.DecideAsync(stranger.Token, unknownId, "approve");
        var reads = new[] { (exportId, await host.ReadAsync(stranger.Token, exportId.ToString())), (deletionId, await host.ReadAsync(stranger.Token, deletionId.ToString())) };
        var decisions = new[]
        {
            await host.DecideAsync(stranger.Token, deletionId, "approve"),
            await host.DecideAsync(stranger.Token, deletionId, "reject"),
        };

        Assert.Equal(404, unknownRead.Status);
        foreach (var (id, read) in reads)
        {
            Assert.Equal(404, read.Status);
            Assert.Equal(unknownRead.Json.GetProperty("detail").GetString()!.Replace(unknownId.ToString(), id.ToString(), StringComparison.Ordinal),
                read.Json.GetProperty("detail").GetString());
            Assert.DoesNotContain(data.SubjectId.ToString(), Encoding.UTF8.GetString(read.BodyBytes), StringComparison.Ordinal);
        }

        Assert.Equal(404, unknownApproval.Status);
        Assert.All(decisions, d =>
        {
            Assert.Equal(404, d.Status);
            Assert.Equal(unknownApproval.Json.GetProperty("detail").GetString()!.Replace(unknownId.ToString(), deletionId.ToString(), StringComparison.Ordinal),
                d.Json.GetProperty("detail").GetString());
        });

        // Nothing changed and the stranger is nowhere in the record; the company's own officer still sees both.
        Assert.Equal(PrivacyRequestStatus.AwaitingApproval,
            (await PrivacyExportTests.GetAsync(host, data.Alice, deletionId)).GetProperty("status").GetString());
        Assert.Equal(PrivacyRequestStatus.Completed,
            (await PrivacyExportTests.GetAsync(host, data.Bob, exportId)).GetProperty("status").GetString());
        await using var conn = await db.DataSource.OpenConnectionAsync();
        Assert.Equal(0, await conn.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM impact.privacy_audit_log WHERE performed_by = @p", new { p = stranger.Principal }));
    }

    [Fact]
    public async Task AValidTokenWithoutThePrivacyOfficerRoleIsForbidden()
    {
        await using var db = await TestDatabase.CreateAsync();
        var data = await PrivacyTestData.SeedAsync(db.DataSource, sessions: 1);
        await using var host = await PrivacyDurable.StartAsync(db, Settings());
        var admin = TestTokens.Admin(data.CompanyId);
        var operatorToken = TestTokens.LocalToken(new TokenClaims("ops", null, [Roles.Operator]));
        var deletionId = (await host.DeletionAsync(data.Alice.Token, new { userId = data.SubjectId })).Json.GetProperty("id").GetGuid();

        var responses = new[]
        {
            await host.ExportAsync(admin, new { userId = data.SubjectId }),
            await host.DeletionAsync(operatorToken, new { userId = data.OtherId }),
            await host.DecideAsync(admin, deletionId, "approve"),
            await host.ReadAsync(operatorToken, deletionId.ToString()),
        };

        Assert.All(responses, r =>
        {
            Assert.Equal(403, r.Status);
            Assert.Equal(ApiResults.ProblemContentType, r.ContentType);
            Assert.Contains(Roles.PrivacyOfficer, r.Json.GetProperty("detail").GetString(), StringComparison.Ordinal);
        });
        await using var conn = await db.DataSource.OpenConnectionAsync();
        Assert.Equal([deletionId], await conn.QueryAsync<Guid>("SELECT id FROM impact.privacy_requests"));
        Assert.Equal(PrivacyRequestStatus.AwaitingApproval, await conn.ExecuteScalarAsync<string>(
            "SELECT status FROM impact.privacy_requests WHERE id = @deletionId", new { deletionId }));
    }

    [Fact]
    public async Task EveryStateChangingEndpointAuditsTheTokensPrincipalAndIgnoresPerformedByHeadersAndFields()
    {
        await using var db = await TestDatabase.CreateAsync();
        var data = await PrivacyTestData.SeedAsync(db.DataSource, sessions: 1);
        await using var host = await PrivacyDurable.StartAsync(db, Settings());
        var spoof = new Dictionary<string, string> { ["X-Performed-By"] = "spoofed@platform" };
        TestResponse Expect(int status, TestResponse response)
        {
            Assert.True(response.Status == status, Encoding.UTF8.GetString(response.BodyBytes));
            return response;
        }

        // POST exports, by Alice.
        var export = Expect(202, await host.ExportAsync(HttpInvoker.JsonRequest("POST", "/v1/privacy/exports",
            new { userId = data.SubjectId, requestedBy = "spoofed@platform" },
            new Dictionary<string, string>(spoof.Concat(PrivacyDurable.Auth(data.Alice.Token))))));
        var exportId = export.Json.GetProperty("id").GetGuid();
        await host.WaitForRequestAsync(exportId);
        // POST deletions, by Alice, of each person; reject one and approve the other, by Bob.
        var toReject = Expect(202, await host.DeletionAsync(data.Alice.Token, new { userId = data.OtherId, requestedBy = "spoofed@platform" }));
        var toApprove = Expect(202, await host.DeletionAsync(data.Alice.Token, new { userId = data.SubjectId, requestedBy = "spoofed@platform" }));
        var rejectId = toReject.Json.GetProperty("id").GetGuid();
        var approveId = toApprove.Json.GetProperty("id").GetGuid();
        Expect(200, await host.DecideAsync(data.Bob.Token, rejectId, "reject", new { rejectedBy = "spoofed@platform" }));
        // A refused approval (Alice's own) is a state change of the record too.
        Expect(403, await host.DecideAsync(data.Alice.Token, approveId, "approve", new { approvedBy = "spoofed@platform" }));
        Expect(202, await host.DecideAsync(data.Bob.Token, approveId, "approve", new { approvedBy = "spoofed@platform" }));
        Assert.Equal(PrivacyRequestStatus.Completed, await host.WaitForRequestAsync(approveId));

        await using var conn = await db.DataSource.OpenConnectionAsync();
        var byCall = (await conn.QueryAsync<(Guid RequestId, string Action, string PerformedBy)>(
            """
            SELECT request_id, action, performed_by FROM impact.privacy_audit_log
            WHERE action IN ('requested', 'approved', 'rejected', 'approval_refused') ORDER BY id
            """)).ToList();
        Assert.Equal(
            [
                (exportId, "requested", "alice"), (rejectId, "requested", "alice"), (approveId, "requested", "alice"),
                (rejectId, "rejected", "bob"), (approveId, "approval_refused", "alice"), (approveId, "approved", "bob"),
            ],
            byCall);
        // The erasure's own steps run as the approver; the export's as the system. Nobody is the spoofed name.
        Assert.Equal(0, await conn.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM impact.privacy_audit_log WHERE performed_by NOT IN ('alice', 'bob', @system)", new { system = PrivacyAudit.System }));
        var request = await conn.QuerySingleAsync<(string RequestedBy, string ApprovedBy, Guid CompanyId)>(
            "SELECT requested_by, approved_by, company_id FROM impact.privacy_requests WHERE id = @approveId", new { approveId });
        Assert.Equal(("alice", "bob", data.CompanyId), request);
        Assert.Equal("bob", await conn.ExecuteScalarAsync<string>(
            "SELECT rejected_by FROM impact.privacy_requests WHERE id = @rejectId", new { rejectId }));
    }
}
