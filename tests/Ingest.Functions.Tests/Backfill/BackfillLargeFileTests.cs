using Impact.Shared.Backfill;
using Impact.TestSupport.Backfill;

namespace Impact.Ingest.Tests.Backfill;

/// <summary>The acceptance file: 200,000 rows, 1% of them bad in four different ways.</summary>
public sealed class BackfillLargeFileTests
{
    [Fact]
    public async Task TwoHundredThousandRowsWithOnePercentBadRowsLoadEveryGoodRowOnceAndListEveryBadRow()
    {
        await using var app = await BackfillApp.StartAsync(BackfillApp.Settings(chunkRows: 50_000));
        var acme = await BackfillImportTests.AddCompanyAsync(app, "acme.example");
        var csv = new KintellSessionsCsv { Rows = 200_000, BadEvery = 100 };
        var upload = await app.UploadSessionsAsync(csv.ToBytes(), query: "fileName=sessions-2025.csv");

        Assert.Equal(202, upload.Status);
        var jobId = upload.Json.GetProperty("jobId").GetString()!;
        Assert.Equal($"/v1/imports/{jobId}", upload.Headers.Location.ToString());
        await app.WaitForJobAsync(jobId, TimeSpan.FromMinutes(3));

        var status = (await app.GetAsync(jobId)).Json;
        Assert.Equal(BackfillStatus.Completed, status.GetProperty("status").GetString());
        Assert.Equal(200_000, status.GetProperty("totalRows").GetInt64());
        Assert.Equal(198_000, status.GetProperty("succeededRows").GetInt64());
        Assert.Equal(2_000, status.GetProperty("failedRows").GetInt64());
        Assert.Equal(200_000, status.GetProperty("processedRows").GetInt64());
        Assert.Equal(100, status.GetProperty("percent").GetDouble());

        var badIds = csv.BadRows.Select(b => b.SessionId).ToArray();
        Assert.Equal(198_000, await app.CountAsync("SELECT count(*) FROM impact.kintell_sessions WHERE source = 'backfill'"));
        Assert.Equal(0, await app.CountAsync("SELECT count(*) FROM impact.kintell_sessions WHERE external_id = ANY(@badIds)", new { badIds }));
        var goodWithRating = Enumerable.Range(1, 200_000).Count(i => i % 100 != 0 && KintellSessionsCsv.HasRating(i));
        Assert.Equal(goodWithRating, await app.CountAsync("SELECT count(*) FROM impact.kintell_ratings WHERE external_id LIKE '%:participant'"));
        Assert.Equal(0, await app.CountAsync("SELECT count(*) FROM impact.users WHERE role = 'volunteer' AND company_id IS DISTINCT FROM @acme", new { acme }));
        Assert.Equal(1, await app.CountAsync(
            "SELECT count(*) FROM impact.events WHERE type = 'backfill.completed' AND correlation_id = @jobId AND (data->>'failedRows')::int = 2000", new { jobId }));

        var errors = await app.GetErrorsAsync(jobId);
        Assert.Equal(200, errors.Status);
        Assert.StartsWith("text/csv", errors.ContentType);
        var (header, rows) = await BackfillApp.ParseCsvAsync(errors.BodyBytes);
        Assert.Equal([.. KintellSessionRows.Columns, "_error_row", "_error_line", "_error_message"], header);
        Assert.Equal(csv.BadRows.Select(b => b.RecordNumber.ToString(System.Globalization.CultureInfo.InvariantCulture)), rows.Select(r => r[9]));
        Assert.All(csv.BadRows.Zip(rows), pair =>
        {
            Assert.Equal(pair.First.SessionId, pair.Second[0]);
            Assert.Contains(pair.First.ExpectedReason, pair.Second[11], StringComparison.OrdinalIgnoreCase);
        });
    }
}
