using System.Text;
using Impact.Shared.Backfill;

namespace Impact.Shared.Tests.Backfill;

public sealed class CsvRecordReaderTests
{
    private static async Task<(CsvHeader Header, List<CsvRecord> Records)> ReadAllAsync(byte[] file, int maxRecordBytes = 1 << 20)
    {
        var header = (await CsvHeader.ReadAsync(new MemoryStream(file)))!;
        var stream = new MemoryStream(file) { Position = header.DataOffset };
        var reader = new CsvRecordReader(stream, header.Delimiter, header.DataOffset, 1, maxRecordBytes);
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
}
