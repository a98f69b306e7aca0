using System.Text;
using Impact.Shared.Backfill;

namespace Impact.Shared.Tests.Backfill;

public sealed class CsvRecordReaderTests
{
    private static async Task<(CsvHeader Header, List<CsvRecord> Records)> ReadAllAsync(byte[] file, int maxRecordBytes = 1 << 20,
        bool knowColumns = false)
    {
        var header = (await CsvHeader.ReadAsync(new MemoryStream(file)))!;
        var stream = new MemoryStream(file) { Position = header.DataOffset };
        var reader = new CsvRecordReader(stream, header.Delimiter, header.DataOffset, 1, maxRecordBytes,
            knowColumns ? header.Columns.Count : 0, header.DataLines);
        var records = new List<CsvRecord>();
        while (await reader.ReadAsync() is { } r)
        {
            records.Add(r);
        }

        return (header, records);
    }

    [Fact]
    public async Task SemicolonFileWithBomAndCrlfAndQuotedLineBreaksReadsAsTheSameRecords()
    {
        var text = "\uFEFFid;name;note\r\n1;\"Smith; Anna\";\"line one\r\nline two\"\r\n2;Bob;\"say \"\"hi\"\"\"\r\n";
        var (header, records) = await ReadAllAsync(Encoding.UTF8.GetBytes(text));

        Assert.Equal(';', header.Delimiter);
        Assert.Equal(["id", "name", "note"], header.Columns);
        Assert.Equal(2, records.Count);
        Assert.Equal(["1", "Smith; Anna", "line one\r\nline two"], records[0].Fields);
        Assert.Equal(["2", "Bob", "say \"hi\""], records[1].Fields);
        Assert.Equal([2L, 3L], records.Select(r => r.RecordNumber));
        Assert.All(records, r => Assert.Null(r.Error));
    }

    [Fact]
    public async Task EachRecordsEndOffsetIsWhereReadingCanResume()
    {
        var text = "a,b\n1,\"x,\ny\"\n2,z\n3,w";
        var file = Encoding.UTF8.GetBytes(text);
        var (header, all) = await ReadAllAsync(file);

        var resumeAt = all[0].EndOffset;
        var reader = new CsvRecordReader(new MemoryStream(file[(int)resumeAt..]), header.Delimiter, resumeAt, all[0].RecordNumber);
        var rest = new List<CsvRecord>();
        while (await reader.ReadAsync() is { } r)
        {
            rest.Add(r);
        }

        Assert.Equal(all.Skip(1).Select(r => (string.Join("|", r.Fields), r.RecordNumber, r.EndOffset)),
            rest.Select(r => (string.Join("|", r.Fields), r.RecordNumber, r.EndOffset)));
        Assert.Equal(file.Length, rest[^1].EndOffset);
    }

    [Fact]
    public async Task BrokenQuotingIsFlaggedOnItsOwnRecordAndTheNextRecordsStillRead()
    {
        var text = "a,b,c\n1,ab\"c,x\n2,\"closed\" then text,y\n3,\"never closed,z\n4,fine,\"ok\"\n";
        var (_, records) = await ReadAllAsync(Encoding.UTF8.GetBytes(text));

        Assert.Equal(4, records.Count);
        Assert.Contains("quote inside an unquoted value", records[0].Error);
        Assert.Contains("text after the closing quote", records[1].Error);
        Assert.Contains("never closed", records[2].Error);
        Assert.Null(records[3].Error);
        Assert.Equal(["4", "fine", "ok"], records[3].Fields);
    }

    [Fact]
    public async Task AnUnclosedQuoteWithNoLaterQuoteIsCutAtItsLineBreakOnceTheRecordIsTooLong()
    {
        var text = "a,b\n1,\"open\n" + string.Concat(Enumerable.Range(2, 400).Select(i => $"{i},plain\n"));
        var (_, records) = await ReadAllAsync(Encoding.UTF8.GetBytes(text), maxRecordBytes: 1024);

        Assert.Contains("never closed", records[0].Error);
        Assert.Equal("2", records[1].Fields[0]);
        Assert.Equal(401, records.Count);
    }

    [Theory]
    [InlineData(',', false, "\n")]
    [InlineData(';', true, "\r\n")]
    public async Task AnUnterminatedQuoteAndAStrayClosingQuoteAreTwoBrokenRowsAndTheRowsBetweenThemAreRead(char d, bool bom, string nl)
    {
        var lines = new[]
        {
            $"id{d}note{d}level",
            $"1{d}fine{d}A1",
            $"2{d}ok{d}\"Level B1",                      // opens a quote it never closes
            $"3{d}\"two{nl}lines\"{d}A2",                 // a genuine quoted line break inside the window
            $"4{d}\"say \"\"hi\"\"{d} twice\"{d}B1",          // doubled quotes and a quoted delimiter
            $"5{d}plain{d}C1",
            $"6{d}end{d}B2\"",                            // the stray closing quote
            $"7{d}after{d}C2",
        };
        var file = (bom ? "\uFEFF" : "") + string.Join(nl, lines) + nl;
        var (_, records) = await ReadAllAsync(Encoding.UTF8.GetBytes(file), knowColumns: true);

        Assert.Equal(["1", "2", "3", "4", "5", "6", "7"], records.Select(r => r.Fields[0]));
        Assert.Equal([2L, 3L, 4L, 5L, 6L, 7L, 8L], records.Select(r => r.RecordNumber));
        Assert.Equal([2L, 3L, 4L, 6L, 7L, 8L, 9L], records.Select(r => r.LineNumber));
        Assert.Contains(CsvRecordReader.UnterminatedQuote, records[1].Error);
        Assert.Contains("quote inside an unquoted value", records[5].Error);
        Assert.Equal([null, null, null, null, null], records.Where((_, i) => i is not (1 or 5)).Select(r => r.Error));
        Assert.Equal($"two{nl}lines", records[2].Fields[1]);
        Assert.Equal($"say \"hi\"{d} twice", records[3].Fields[1]);
    }

    [Fact]
    public async Task AQuotedLineBreakThatKeepsTheColumnCountIsOneRecordAndOneThatBreaksItCutsTheOpeningLine()
    {
        // Record 2 spans two lines and has three values; record 3's quote swallows "4,x" and ends with four values.
        var text = "a,b,c\n1,\"x\ny\",z\n2,\"open\n4\",x,extra\n5,p,q\n";
        var (_, records) = await ReadAllAsync(Encoding.UTF8.GetBytes(text), knowColumns: true);

        Assert.Equal(["1", "2", "4\"", "5"], records.Select(r => r.Fields[0]));
        Assert.Null(records[0].Error);
        Assert.Equal(["1", "x\ny", "z"], records[0].Fields);
        Assert.Contains(CsvRecordReader.UnterminatedQuote, records[1].Error);
        Assert.Equal([2L, 4L, 5L, 6L], records.Select(r => r.LineNumber));
    }

    [Fact]
    public async Task ResumingAtAnyRecordsEndOffsetGivesTheSameRecordsRowsAndLines()
    {
        var text = "a,b,c\n1,\"x\ny\",z\n2,ok,\"open\n3,p,q\n4,r,s\"\n\n5,\"m\r\nn\",o\n6,t,u";
        var file = Encoding.UTF8.GetBytes(text);
        var (header, all) = await ReadAllAsync(file, knowColumns: true);
        for (var k = 0; k < all.Count - 1; k++)
        {
            var at = all[k];
            var reader = new CsvRecordReader(new MemoryStream(file[(int)at.EndOffset..]), header.Delimiter, at.EndOffset, at.RecordNumber,
                expectedColumns: 3, linesBefore: at.LineNumber + at.Fields.Sum(f => f.Count(c => c == '\n')));
            var rest = new List<CsvRecord>();
            while (await reader.ReadAsync() is { } r)
            {
                rest.Add(r);
            }

            Assert.Equal(all.Skip(k + 1).Select(r => (string.Join("|", r.Fields), r.RecordNumber, r.LineNumber, r.EndOffset, r.Error)),
                rest.Select(r => (string.Join("|", r.Fields), r.RecordNumber, r.LineNumber, r.EndOffset, r.Error)));
        }

        Assert.Equal(["1", "2", "3", "4", "", "5", "6"], all.Select(r => r.Fields[0]));
        Assert.Equal([2L, 4L, 5L, 6L, 7L, 8L, 10L], all.Select(r => r.LineNumber));
    }
}
