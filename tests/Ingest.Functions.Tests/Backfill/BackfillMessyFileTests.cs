using System.Globalization;
using System.Text;
using Impact.Shared.Backfill;
using Impact.TestSupport.Backfill;

namespace Impact.Ingest.Tests.Backfill;

/// <summary>Files as partners really send them: broken quotes, impossible durations, rows people look up in a spreadsheet.</summary>
public sealed class BackfillMessyFileTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(90);

    private static string Row(char d, string id, string duration = "45", string feedback = "Fine", string level = "B1") =>
        string.Join(d, id, "Language practice", $"p-{id}@example.org", $"v-{id}@acme.example", "2025-03-01T10:00:00Z", duration, "4", feedback, level);

    [Theory]
    [InlineData(',', false, "\n")]
    [InlineData(';', true, "\r\n")]
    public async Task BrokenQuoteWindowsLoseNoGoodRowAndTheErrorFileListsExactlyTheBrokenRows(char d, bool bom, string nl)
    {
        await using var app = await BackfillApp.StartAsync(BackfillApp.Settings(chunkRows: 7));
        var header = d == ',' ? KintellSessionsCsv.Header : KintellSessionsCsv.Header.Replace(',', d);
        var lines = new List<string> { header };
        var good = new List<string>();
        var broken = new List<(string Id, int Row, int Line, string Reason)>();
        var line = 2;
        void Add(string text, string id, bool isGood, string? reason = null)
        {
            if (isGood)
            {
                good.Add(id);
            }
            else
            {
                broken.Add((id, lines.Count + 1, line, reason!));
            }

            lines.Add(text);
            line += text.Split('\n').Length;
        }

        for (var w = 0; w < 3; w++)
        {
            var p = $"W{w}-";
            Add(Row(d, p + "a"), p + "a", true);
            Add(Row(d, p + "open", level: "\"Level B1"), p + "open", false, CsvRecordReader.UnterminatedQuote);
            for (var g = 0; g < 2 + w; g++)
            {
                // Inside the window: plain rows, a quoted line break, a quoted delimiter with doubled quotes.
                var feedback = g switch { 0 => $"\"Two lines:{nl}second line\"", 1 => $"\"Great{d} \"\"really\"\" helpful\"", _ => "Fine" };
                Add(Row(d, $"{p}g{g}", feedback: feedback), $"{p}g{g}", true);
            }

            Add(Row(d, p + "close", level: "B2\""), p + "close", false, "quote inside an unquoted value");
        }

        Add(Row(d, "Z-last"), "Z-last", true);
        var file = (bom ? "\uFEFF" : "") + string.Join(nl, lines) + nl;
        var bytes = Encoding.UTF8.GetBytes(file);

        var jobId = await app.StartSessionsImportAsync(bytes);
        var job = await app.WaitForJobAsync(jobId, Timeout);

        Assert.Equal(good.Count, job.SucceededRows);
        Assert.Equal(6, job.FailedRows);
        Assert.Equal(good.Order(), (await app.QueryAsync<string>("SELECT external_id FROM impact.kintell_sessions")).Order());
        Assert.Equal(
            "Two lines:" + nl + "second line",
            (await app.QueryAsync<string>("SELECT feedback_text FROM impact.kintell_ratings WHERE external_id = 'W2-g0:participant'")).Single());

        var errors = (await app.GetErrorsAsync(jobId)).BodyBytes;
        Assert.Equal(bom, errors.AsSpan().StartsWith(new byte[] { 0xEF, 0xBB, 0xBF }));
        var errorText = Encoding.UTF8.GetString(errors);
        Assert.Equal(nl == "\r\n", errorText.Contains("\r\n", StringComparison.Ordinal));
        var errorHeader = errorText.TrimStart('\uFEFF').Split(nl)[0];
        Assert.Equal(header + $"{d}_error_row{d}_error_line{d}_error_message", errorHeader);

        var (columns, rows) = await BackfillApp.ParseCsvAsync(errors);
        Assert.Equal(12, columns.Count);
        Assert.Equal(broken.Select(b => b.Id), rows.Select(r => r[0]));
        Assert.Equal(broken.Select(b => b.Row.ToString(CultureInfo.InvariantCulture)), rows.Select(r => r[9]));
        Assert.Equal(broken.Select(b => b.Line.ToString(CultureInfo.InvariantCulture)), rows.Select(r => r[10]));
        Assert.All(broken.Zip(rows), pair => Assert.Contains(pair.First.Reason, pair.Second[11], StringComparison.Ordinal));
    }

    [Fact]
    public async Task DurationsOutsideOneToFourHundredEightyMinutesOrEmptyAreRowErrors()
    {
        await using var app = await BackfillApp.StartAsync(BackfillApp.Settings(chunkRows: 100));
        string[] durations = ["0", "481", "", "1000", "1", "480", "-5", "45.5"];
        var csv = KintellSessionsCsv.Header + "\n" + string.Concat(durations.Select((m, i) => Row(',', $"D{i}", duration: m) + "\n"));

        var jobId = await app.StartSessionsImportAsync(Encoding.UTF8.GetBytes(csv));
        var job = await app.WaitForJobAsync(jobId, Timeout);

        Assert.Equal(2, job.SucceededRows);
        Assert.Equal(new[] { "D4", "D5" }, (await app.QueryAsync<string>("SELECT external_id FROM impact.kintell_sessions ORDER BY external_id")).ToArray());
        Assert.Equal(new[] { 1, 480 }, (await app.QueryAsync<int>("SELECT duration_minutes FROM impact.kintell_sessions ORDER BY external_id")).ToArray());
        var (_, rows) = await BackfillApp.ParseCsvAsync((await app.GetErrorsAsync(jobId)).BodyBytes);
        Assert.Equal(["D0", "D1", "D2", "D3", "D6", "D7"], rows.Select(r => r[0]));
        Assert.Equal("duration_min '0' is not a whole number of minutes from 1 to 480", rows[0][11]);
        Assert.Equal("duration_min '481' is not a whole number of minutes from 1 to 480", rows[1][11]);
        Assert.Equal("duration_min is empty (a session lasts 1 to 480 minutes)", rows[2][11]);
        Assert.Contains("'1000'", rows[3][11], StringComparison.Ordinal);
    }

    [Fact]
    public async Task ErrorRowIsTheSpreadsheetRowAndErrorLineThePhysicalLineInAFileWithQuotedLineBreaks()
    {
        await using var app = await BackfillApp.StartAsync(BackfillApp.Settings(chunkRows: 2));
        // Row 2 spans lines 2-4, row 3 is blank (line 5), row 4 (line 6) is bad, row 5 spans 7-8, row 6 (line 9) is bad.
        var csv = string.Join("\n",
            KintellSessionsCsv.Header,
            Row(',', "L1", feedback: "\"one\ntwo\nthree\""),
            "",
            Row(',', "L2", level: "D4"),
            Row(',', "L3", feedback: "\"a\nb\""),
            Row(',', "L4", duration: "0")) + "\n";

        var jobId = await app.StartSessionsImportAsync(Encoding.UTF8.GetBytes(csv));
        var job = await app.WaitForJobAsync(jobId, Timeout);

        Assert.Equal(2, job.SucceededRows);
        var (_, rows) = await BackfillApp.ParseCsvAsync((await app.GetErrorsAsync(jobId)).BodyBytes);
        Assert.Equal([("L2", "4", "6"), ("L4", "6", "9")], rows.Select(r => (r[0], r[9], r[10])));
        Assert.Equal(9, job.CheckpointLine);
    }
}
