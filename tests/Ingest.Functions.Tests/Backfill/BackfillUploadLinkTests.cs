using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Web;
using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Specialized;
using Dapper;
using Impact.Shared.Backfill;
using Impact.Shared.Security;
using Impact.TestSupport;
using Impact.TestSupport.Security;
using Xunit.Abstractions;

namespace Impact.Ingest.Tests.Backfill;

/// <summary>
/// Files of any size: an upload link (a write-only SAS for one new blob in Azurite), the client's block upload with
/// Azure.Storage.Blobs — as tools/UploadCsv does — and the import started from the blob.
/// The class runs alone (<see cref="BackfillMemoryCollection"/>): its memory test samples the process's heap.
/// </summary>
[Collection(BackfillMemoryCollection.Name)]
public sealed class BackfillUploadLinkTests(ITestOutputHelper output)
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    private static string Row(int i) => string.Join(',', $"U{i:D8}", i % 2 == 0 ? "Language practice" : "Mentorship call",
        $"participant{i % 5000}@example.org", $"volunteer{i % 300}@acme.example", "2025-02-01T09:00:00Z", (30 + i % 60).ToString(CultureInfo.InvariantCulture),
        (1 + i % 5).ToString(CultureInfo.InvariantCulture), i % 4 == 1 ? "\"Two lines:\nsecond, line\"" : "Fine", "B1");

    // The client side, as tools/UploadCsv does: the file is written to disk row by row (never whole in memory), then
    // read back one block at a time, each block staged on its own and the list committed once. Returns the rows.
    private static async Task<int> UploadAsync(Uri uploadUrl, long targetBytes, int blockBytes = 4 << 20)
    {
        var path = Path.Combine(Path.GetTempPath(), $"upload-{Guid.NewGuid():N}.csv");
        try
        {
            var rows = 0;
            await using (var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            await using (var writer = new StreamWriter(file, new UTF8Encoding(false), 1 << 16))
            {
                var header = Impact.TestSupport.Backfill.KintellSessionsCsv.Header + "\n";
                writer.Write(header);
                long written = Encoding.UTF8.GetByteCount(header);
                while (written < targetBytes)
                {
                    var row = Row(++rows) + "\n";
                    writer.Write(row);
                    written += Encoding.UTF8.GetByteCount(row);
                }
            }

            var blob = new BlockBlobClient(uploadUrl);
            var ids = new List<string>();
            var buffer = new byte[blockBytes];
            await using (var file = File.OpenRead(path))
            {
                int filled;
                while ((filled = await file.ReadAtLeastAsync(buffer, buffer.Length, throwOnEndOfStream: false)) > 0)
                {
                    var id = Convert.ToBase64String(Encoding.ASCII.GetBytes(ids.Count.ToString("D8", CultureInfo.InvariantCulture)));
                    using var block = new MemoryStream(buffer, 0, filled, writable: false);
                    await blob.StageBlockAsync(id, block);
                    ids.Add(id);
                }
            }

            await blob.CommitBlockListAsync(ids);
            return rows;
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task AnUploadLinkMayOnlyCreateItsOwnBlobAndTheImportStartsFromItOnce()
    {
        await using var app = await BackfillApp.StartAsync(BackfillApp.Settings(chunkRows: 500));
        var linkResponse = await app.CreateUploadLinkAsync();
        Assert.Equal(200, linkResponse.Status);
        var link = linkResponse.Json;
        var uploadId = link.GetProperty("uploadId").GetString()!;
        var blobName = link.GetProperty("blobName").GetString()!;
        var uploadUrl = new Uri(link.GetProperty("uploadUrl").GetString()!);
        Assert.Equal($"incoming/{app.CompanyId}/{uploadId}.csv", blobName);
        Assert.Equal("account-key", link.GetProperty("signedWith").GetString());
        var query = HttpUtility.ParseQueryString(uploadUrl.Query);
        Assert.Equal("cw", query["sp"]);
        Assert.Equal("b", query["sr"]);
        var expires = DateTimeOffset.Parse(query["se"]!, CultureInfo.InvariantCulture);
        Assert.InRange(expires - DateTimeOffset.UtcNow, TimeSpan.FromMinutes(14), TimeSpan.FromMinutes(15.1));

        var rows = await UploadAsync(uploadUrl, 300_000, blockBytes: 64 << 10);

        // The link cannot read the blob back, nor write any other blob.
        var read = await Assert.ThrowsAsync<RequestFailedException>(() => new BlobClient(uploadUrl).DownloadContentAsync());
        Assert.Equal(403, read.Status);
        var elsewhere = new UriBuilder(uploadUrl) { Path = uploadUrl.AbsolutePath.Replace(uploadId, Guid.NewGuid().ToString(), StringComparison.Ordinal) }.Uri;
        var write = await Assert.ThrowsAsync<RequestFailedException>(() => new BlobClient(elsewhere).UploadAsync(BinaryData.FromString("x")));
        Assert.Equal(403, write.Status);

        var start = await app.StartFromUploadAsync(new { kind = BackfillKinds.KintellSessions, blobName, fileName = "year.csv" });
        Assert.Equal(202, start.Status);
        Assert.Equal(uploadId, start.Json.GetProperty("jobId").GetString());
        var job = await app.WaitForJobAsync(uploadId, Timeout);
        Assert.Equal(rows, job.SucceededRows);
        Assert.Equal(0, job.FailedRows);
        Assert.Equal("year.csv", job.FileName);
        Assert.Equal(rows, await app.CountAsync("SELECT count(*) FROM impact.kintell_sessions"));

        var again = await app.StartFromUploadAsync(new { kind = BackfillKinds.KintellSessions, blobName });
        Assert.Equal(409, again.Status);
        Assert.Equal("application/problem+json", again.ContentType);

        await using var conn = await app.Db.DataSource.OpenConnectionAsync();
        var audit = (await conn.QueryAsync<(string Action, string Subject, string PerformedBy, Guid? CompanyId)>(
            "SELECT action, subject, performed_by, company_id FROM impact.audit_log ORDER BY id")).ToList();
        Assert.Equal(
            [("import.upload-link", $"upload:{uploadId}", BackfillApp.AdminPrincipal, app.CompanyId),
             ("import.create", $"import:{uploadId}", BackfillApp.AdminPrincipal, app.CompanyId)],
            audit.Select(a => (a.Action, a.Subject, a.PerformedBy, a.CompanyId)));
    }

    [Fact]
    public async Task AnotherCompanyCannotStartAnImportFromYourUploadAndBadBlobNamesAreProblems()
    {
        await using var app = await BackfillApp.StartAsync(BackfillApp.Settings(chunkRows: 500));
        var other = await BackfillApp.AddCompanyAsync(app.Db, null, "Other Co");
        var otherAdmin = TestTokens.LocalToken(new TokenClaims("other-admin", other, [Roles.CompanyAdmin], "Olga Other"));
        var link = (await app.CreateUploadLinkAsync()).Json;
        var blobName = link.GetProperty("blobName").GetString()!;
        await UploadAsync(new Uri(link.GetProperty("uploadUrl").GetString()!), 20_000);

        var foreign = await app.StartFromUploadAsync(new { kind = BackfillKinds.KintellSessions, blobName }, otherAdmin);
        // The other company's own area holds no such upload either: the same 404.
        var renamed = await app.StartFromUploadAsync(
            new { kind = BackfillKinds.KintellSessions, blobName = blobName.Replace(app.CompanyId.ToString(), other.ToString(), StringComparison.Ordinal) }, otherAdmin);
        // A link that expired (or was never used) before anything was committed.
        var neverUploaded = (await app.CreateUploadLinkAsync()).Json.GetProperty("blobName").GetString()!;
        var expired = await app.StartFromUploadAsync(new { kind = BackfillKinds.KintellSessions, blobName = neverUploaded });
        var malformed = await app.StartFromUploadAsync(new { kind = BackfillKinds.KintellSessions, blobName = "uploads/../errors/x.csv" });
        var badKind = await app.StartFromUploadAsync(new { kind = "payroll", blobName });

        foreach (var (response, status) in new[] { (foreign, 404), (renamed, 404), (expired, 404), (malformed, 400), (badKind, 400) })
        {
            Assert.True(response.Status == status, $"{status} expected: {response.Status} {response.Body}");
            Assert.Equal("application/problem+json", response.ContentType);
            Assert.False(string.IsNullOrWhiteSpace(response.Json.GetProperty("detail").GetString()));
        }

        Assert.Equal(foreign.Json.GetProperty("title").GetString(), renamed.Json.GetProperty("title").GetString());
        Assert.Contains("expired", expired.Json.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, await app.CountAsync("SELECT count(*) FROM impact.backfill_jobs"));
        Assert.Equal(0, await app.CountAsync("SELECT count(*) FROM impact.audit_log WHERE performed_by = 'other-admin'"));

        // The owner still can.
        Assert.Equal(202, (await app.StartFromUploadAsync(new { kind = BackfillKinds.KintellSessions, blobName })).Status);
    }

    /// <summary>
    /// The suite's size is 12 MiB (~100,000 rows, well under a minute); <c>BACKFILL_UPLOAD_TEST_MB=300</c> runs the same test
    /// with a 300 MB file (~2.4 million rows, minutes: not part of the normal run). The file is generated to disk, uploaded
    /// in 4 MiB blocks with the link and imported; the test prints the peak live heap and working set sampled during the
    /// import and fails if the second half of the file needed more heap than the first.
    /// </summary>
    [Fact]
    public async Task AFileUploadedWithALinkImportsCompletelyWhileMemoryStaysFlat()
    {
        var size = SizeFromEnvironment();
        await using var app = await BackfillApp.StartAsync(BackfillApp.Settings(chunkRows: 5_000));
        var link = (await app.CreateUploadLinkAsync()).Json;
        var rows = await UploadAsync(new Uri(link.GetProperty("uploadUrl").GetString()!), size);

        var baseline = GC.GetTotalMemory(forceFullCollection: true);
        var start = await app.StartFromUploadAsync(new { kind = BackfillKinds.KintellSessions, blobName = link.GetProperty("blobName").GetString() });
        Assert.Equal(202, start.Status);
        var jobId = Guid.Parse(start.Json.GetProperty("jobId").GetString()!);
        var clock = Stopwatch.StartNew();
        // Live heap (as the last GC left it) and working set, split by how far through the file the import is.
        long firstHalf = 0, secondHalf = 0, peakWorkingSet = 0;
        BackfillJob job;
        while ((job = (await app.Jobs.FindAsync(jobId))!).Status is not (BackfillStatus.Completed or BackfillStatus.Failed))
        {
            // Three minutes for the suite's file; a larger one gets time in proportion (~15,000 rows/s at worst).
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(Math.Max(3, size / (1 << 20) / 2)), $"import still {job.Status} at {job.Percent} %");
            var live = GC.GetGCMemoryInfo().HeapSizeBytes;
            if (job.Percent < 50)
            {
                firstHalf = Math.Max(firstHalf, live);
            }
            else
            {
                secondHalf = Math.Max(secondHalf, live);
            }

            using var self = Process.GetCurrentProcess();
            peakWorkingSet = Math.Max(peakWorkingSet, self.WorkingSet64);
            await Task.Delay(100);
        }

        var line = $"{job.FileBytes:N0} bytes, {rows:N0} rows in {clock.Elapsed.TotalSeconds:F1} s; heap before {baseline / 1e6:F1} MB, " +
                   $"peak live heap first half {firstHalf / 1e6:F1} MB, second half {secondHalf / 1e6:F1} MB; peak working set {peakWorkingSet / 1e6:F1} MB";
        output.WriteLine(line);
        Console.WriteLine(line);
        Assert.Equal(BackfillStatus.Completed, job.Status);
        Assert.Equal(rows, job.SucceededRows);
        Assert.Equal(rows, await app.CountAsync("SELECT count(*) FROM impact.kintell_sessions"));
        Assert.True(job.FileBytes >= size, $"{job.FileBytes} bytes uploaded");
        // Read in chunks, never held whole: reading the second half costs no more memory than the first did.
        Assert.True(secondHalf < firstHalf + (8 << 20), line);
    }

    private static long SizeFromEnvironment() =>
        Environment.GetEnvironmentVariable("BACKFILL_UPLOAD_TEST_MB") is { Length: > 0 } mb
            ? long.Parse(mb, NumberStyles.None, CultureInfo.InvariantCulture) * 1_000_000
            : 12L << 20;
}
