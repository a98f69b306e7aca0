using Dapper;
using Impact.Shared.Privacy;
using Impact.TestSupport;

namespace Impact.Ingest.Tests.Privacy;

/// <summary>
/// What happens when: an erasure's steps, its event and its completion are stamped in the order they happened, and an
/// export whose person is erased while it runs does not complete after the erasure.
/// </summary>
public sealed class PrivacyTimingTests
{
    private static Dictionary<string, string?> Settings(string container) => new()
    {
        ["Privacy:ExportsContainer"] = container,
        ["Privacy:ApprovalTimeout"] = "00:05:00",
    };

    [Fact]
    public async Task AnErasuresEventIsStampedAfterItsLastStepAndTheRequestCompletesAfterTheEvent()
    {
        await using var db = await TestDatabase.CreateAsync();
        var data = await PrivacyTestData.SeedAsync(db.DataSource, sessions: 2);
        await using var host = await PrivacyDurable.StartAsync(db, Settings(TestStorage.UniqueName("exports")));
        var requestId = (await host.DeletionAsync(data.Alice.Token, new { userId = data.SubjectId })).Json.GetProperty("id").GetGuid();
        Assert.Equal(202, (await host.DecideAsync(data.Bob.Token, requestId, "approve")).Status);
        Assert.Equal(PrivacyRequestStatus.Completed, await host.WaitForRequestAsync(requestId));

        await using var conn = await db.DataSource.OpenConnectionAsync();
        var steps = (await conn.QueryAsync<(string Action, DateTime At)>(
            "SELECT action, performed_at FROM impact.privacy_audit_log WHERE request_id = @requestId ORDER BY id", new { requestId })).ToList();
        var occurredAt = await conn.ExecuteScalarAsync<DateTime>(
            "SELECT occurred_at FROM impact.events WHERE type = 'privacy.user.deleted' AND data ->> 'requestId' = @id", new { id = requestId.ToString() });
        var completedAt = await conn.ExecuteScalarAsync<DateTime>(
            "SELECT completed_at FROM impact.privacy_requests WHERE id = @requestId", new { requestId });

        // Audit rows in id order are in time order too, each step after the one before (several share one transaction).
        Assert.Equal(steps.Select(s => s.At).Order(), steps.Select(s => s.At));
        var lastStep = steps.Single(s => s.Action == "verified").At;
        Assert.True(steps.Single(s => s.Action == "user_deleted").At > steps.Single(s => s.Action == "error_texts_scrubbed").At,
            "steps of one transaction carry the time each was done, not the transaction's start");
        Assert.True(occurredAt > lastStep, $"privacy.user.deleted at {occurredAt:O} is not after the last step at {lastStep:O}");
        Assert.True(completedAt >= occurredAt, $"completed at {completedAt:O}, before its event at {occurredAt:O}");
        Assert.True(steps.Single(s => s.Action == "completed").At >= completedAt);
    }

    [Fact]
    public async Task AnExportWhosePersonIsErasedAfterItsSnapshotFailsWithTheReasonAndLeavesNoZip()
    {
        await using var db = await TestDatabase.CreateAsync();
        var data = await PrivacyTestData.SeedAsync(db.DataSource, sessions: 2);
        var exports = TestStorage.UniqueName("exports");
        await using var host = await PrivacyDurable.StartAsync(db, Settings(exports));

        // An erasure is in its final transaction: it holds the person's row while it deletes them.
        await using var erasing = await db.DataSource.OpenConnectionAsync();
        await using var erasure = await erasing.BeginTransactionAsync();
        await erasing.ExecuteAsync("SELECT 1 FROM impact.users WHERE id = @id FOR NO KEY UPDATE", new { id = data.SubjectId }, erasure);

        var started = await host.ExportAsync(data.Alice.Token, new { userId = data.SubjectId });
        Assert.Equal(202, started.Status);
        var exportId = started.Json.GetProperty("id").GetGuid();
        // The export read its snapshot (the person still there), wrote its ZIP, and now waits to complete.
        var zip = TestStorage.Blobs().GetBlobContainerClient(exports).GetBlobClient($"{exportId}.zip");
        await Poll.UntilAsync(async () => (await zip.ExistsAsync()).Value && await WaitsForALockAsync(db), TimeSpan.FromSeconds(30),
            "the export to have written its ZIP and to wait for the person's row");

        // What its database steps do, ending with the user row.
        await erasing.ExecuteAsync(
            """
            UPDATE impact.kintell_sessions SET participant_id = NULL WHERE participant_id = @id;
            UPDATE impact.kintell_ratings SET rater_id = NULL WHERE rater_id = @id;
            UPDATE impact.kintell_bookings SET participant_id = NULL WHERE participant_id = @id;
            DELETE FROM impact.users WHERE id = @id;
            """, new { id = data.SubjectId }, erasure);
        await erasure.CommitAsync();

        Assert.Equal(PrivacyRequestStatus.Failed, await host.WaitForRequestAsync(exportId));
        var status = await PrivacyExportTests.GetAsync(host, data.Alice, exportId);
        Assert.Equal(PrivacyRequestStatus.Failed, status.GetProperty("status").GetString());
        Assert.Equal(PrivacyRequestStore.ErasedBeforeCompletion, status.GetProperty("error").GetString());
        Assert.False(status.TryGetProperty("downloadUrl", out _));
        Assert.False((await zip.ExistsAsync()).Value);
        await using var conn = await db.DataSource.OpenConnectionAsync();
        Assert.Equal(0, await conn.ExecuteScalarAsync<int>(
            "SELECT count(*) FROM impact.events WHERE type = 'privacy.export.completed' AND data ->> 'requestId' = @id", new { id = exportId.ToString() }));
        Assert.Equal(["export_started", "export_discarded"], await conn.QueryAsync<string>(
            "SELECT action FROM impact.privacy_audit_log WHERE request_id = @exportId AND action LIKE 'export%' ORDER BY id", new { exportId }));
        Assert.Null(await conn.ExecuteScalarAsync<string>("SELECT result_location FROM impact.privacy_requests WHERE id = @exportId", new { exportId }));
    }

    private static async Task<bool> WaitsForALockAsync(TestDatabase db)
    {
        await using var conn = await db.DataSource.OpenConnectionAsync();
        return await conn.ExecuteScalarAsync<bool>(
            "SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock')");
    }
}
