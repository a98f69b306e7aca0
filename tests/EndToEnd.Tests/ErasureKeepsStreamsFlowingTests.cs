using Stopwatch = System.Diagnostics.Stopwatch;
using Azure.Storage.Blobs;
using Dapper;
using Impact.Ingest.Tests;
using Impact.Shared.Events;
using Impact.Shared.Privacy;
using Impact.Shared.Security;
using Impact.StreamHost.Tests.Support;
using Impact.TestSupport;
using Impact.TestSupport.Backfill;
using Xunit.Abstractions;

namespace Impact.EndToEnd.Tests;

/// <summary>
/// The SSE feed (like the Service Bus relay) reads only behind the oldest open transaction. An erasure that read and
/// rewrote a person's backfill files inside its transaction stalled every company's stream for as long as that took;
/// now the blob work runs outside any transaction, and another company's events flow while it runs.
/// </summary>
public sealed class ErasureKeepsStreamsFlowingTests(ITestOutputHelper output)
{
    [Fact]
    public async Task AnotherCompanysEventReachesItsStreamWhileAnErasureRewritesFiftyMegabytesOfBackfillFiles()
    {
        await using var app = await TestApp.StartAsync();
        var db = app.Database;
        // The generator's participant7 is in every 5,000th record: the erasure finds the person in every file.
        const string email = "participant7@example.org";
        Guid acme, other, subject;
        await using (var conn = await db.DataSource.OpenConnectionAsync())
        {
            acme = await conn.ExecuteScalarAsync<Guid>("INSERT INTO impact.companies (name, email_domain) VALUES ('Acme', 'acme.example') RETURNING id");
            other = await conn.ExecuteScalarAsync<Guid>("INSERT INTO impact.companies (name, email_domain) VALUES ('Other', 'other.example') RETURNING id");
            subject = await conn.ExecuteScalarAsync<Guid>(
                "INSERT INTO impact.users (email, display_name, role, company_id) VALUES (@email, 'P. Seven', 'participant', @acme) RETURNING id",
                new { email, acme });
        }

        // Two stored uploads of 25 MB each (plus their error files).
        var container = TestStorage.Blobs().GetBlobContainerClient(TestStorage.UniqueName("backfill"));
        long stored = 0;
        foreach (var prefix in new[] { "A", "B" })
        {
            var file = new KintellSessionsCsv { Rows = 220_000, IdPrefix = prefix }.ToBytes();
            stored += file.LongLength;
            await BackfillTestJobs.CreateSessionsJobAsync(db.DataSource, container, file);
        }

        Assert.True(stored >= 50L << 20, $"{stored} bytes stored");

        var requests = app.Service<PrivacyRequestStore>();
        var requestId = Guid.NewGuid();
        await requests.CreateAsync(requestId, subject, PrivacyRequestTypes.Delete, new Caller("alice", "Alice", acme, [Roles.PrivacyOfficer]));
        await requests.ApproveAsync(requestId, new Caller("bob", "Bob", acme, [Roles.PrivacyOfficer]));

        await using var stream = await TestStreamHost.StartAsync(db);
        await using var cockpit = await stream.ConnectAsync(other);
        // The other company's stream is live before the erasure starts.
        await AppendAsync(db, other, "test.before");
        Assert.Equal("test.before", (await cockpit.NextEventAsync(TimeSpan.FromSeconds(20))).Event);

        var clock = Stopwatch.StartNew();
        var erasing = Task.Run(() => app.Service<PrivacyErasure>().RunAsync(requestId));
        // The erasure has begun: its first step is on the record, and it is now reading and rewriting the files.
        await Poll.UntilAsync(async () => erasing.IsCompleted || await AuditedAsync(db, requestId, "export_blobs_deleted"),
            TimeSpan.FromSeconds(30), "the erasure's first step");
        Assert.False(erasing.IsCompleted, "the erasure finished before the test could look");
        var appendedAt = clock.Elapsed;
        await AppendAsync(db, other, "test.during");

        var received = await cockpit.NextEventAsync(TimeSpan.FromSeconds(120));
        var receivedAt = clock.Elapsed;
        var erasureDoneWhenReceived = erasing.IsCompleted;
        var statusWhenReceived = await StatusAsync(db, requestId);

        var result = await erasing;
        var erasedAt = clock.Elapsed;
        output.WriteLine($"erasure of {stored / (1 << 20)} MB of backfill uploads: {erasedAt.TotalSeconds:F1} s; other company's event appended at " +
                         $"{appendedAt.TotalSeconds:F2} s, received by its SSE client at {receivedAt.TotalSeconds:F2} s " +
                         $"({(receivedAt - appendedAt).TotalMilliseconds:F0} ms later, {(erasedAt - receivedAt).TotalSeconds:F1} s before the erasure finished)");

        Assert.Equal("test.during", received.Event);
        Assert.False(erasureDoneWhenReceived, "the event reached the stream only after the erasure had finished");
        Assert.Equal(PrivacyRequestStatus.Processing, statusWhenReceived);
        Assert.Equal(PrivacyRequestStatus.Completed, result.Status);
        // The erasure really was rewriting the files meanwhile: the person's 88 records (44 per file) were masked.
        Assert.Equal(88, result.Steps.Single(s => s.Key == "backfill_file_records_masked").Value);
        await using var check = await db.DataSource.OpenConnectionAsync();
        Assert.Equal(0, await PrivacyErasure.CountRemainingAsync(check, null, subject, email));
        // The order of the record: the event was committed after the erasure began and before it completed.
        var order = await check.QuerySingleAsync<(DateTime Began, DateTime Event, DateTime Completed)>(
            """
            SELECT (SELECT min(performed_at) FROM impact.privacy_audit_log WHERE request_id = @requestId AND action = 'export_blobs_deleted'),
                   (SELECT occurred_at FROM impact.events WHERE type = 'test.during'),
                   (SELECT completed_at FROM impact.privacy_requests WHERE id = @requestId)
            """, new { requestId });
        Assert.True(order.Began < order.Event && order.Event < order.Completed, order.ToString());
    }

    private static async Task AppendAsync(TestDatabase db, Guid companyId, string type)
    {
        await using var conn = await db.DataSource.OpenConnectionAsync();
        await using var tx = await conn.BeginTransactionAsync();
        await EventLog.AppendAsync(conn, tx, type, companyId, new { note = type });
        await tx.CommitAsync();
    }

    private static async Task<bool> AuditedAsync(TestDatabase db, Guid requestId, string action)
    {
        await using var conn = await db.DataSource.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<bool>(
            "SELECT EXISTS (SELECT 1 FROM impact.privacy_audit_log WHERE request_id = @requestId AND action = @action)", new { requestId, action });
    }

    private static async Task<string> StatusAsync(TestDatabase db, Guid requestId)
    {
        await using var conn = await db.DataSource.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<string>("SELECT status FROM impact.privacy_requests WHERE id = @requestId", new { requestId }) ?? "";
    }
}
