using System.Text;
using Impact.Shared.Backfill;
using Impact.Shared.Csv;

namespace Impact.Shared.Tests.Csv;

public sealed class CsvCellsTests
{
    [Theory]
    [InlineData("plain", "plain")]
    [InlineData("", "")]
    [InlineData("a,b", "\"a,b\"")]
    [InlineData("a;b", "\"a;b\"")]
    [InlineData("say \"hi\"", "\"say \"\"hi\"\"\"")]
    [InlineData("two\r\nlines", "\"two\r\nlines\"")]
    [InlineData(" padded", "\" padded\"")]
    [InlineData("padded ", "\"padded \"")]
    [InlineData("in side", "in side")]
    public void ACellIsQuotedExactlyWhenItHoldsASeparatorAQuoteALineBreakOrAnEdgeSpace(string value, string written) =>
        Assert.Equal(written, CsvCells.Append(new StringBuilder(), 0, value).ToString());

    [Fact]
    public void CellsAfterTheFirstAreSeparatedByCommasEvenWhenTheFirstIsEmpty()
    {
        var line = new StringBuilder();
        string[] values = ["", "b", "c,d"];
        for (var i = 0; i < values.Length; i++)
        {
            CsvCells.Append(line, i, values[i]);
        }

        Assert.Equal(",b,\"c,d\"", line.ToString());
    }

    [Theory]
    [InlineData("=HYPERLINK(\"https://evil.example\")")]
    [InlineData("+1+2")]
    [InlineData("-2+3")]
    [InlineData("@SUM(A1:A9)")]
    [InlineData("\tcmd")]
    [InlineData("\rcmd")]
    [InlineData("'=already quoted")]
    public async Task ACellASpreadsheetWouldRunStartsWithAnApostropheAndReadsBackAsTheOriginal(string value)
    {
        var errors = new StringWriter();
        ErrorFile.WriteRow(errors, [value, "plain"], 2, 7, 9, "rejected", new ErrorFileFormat(',', Bom: false, Crlf: true));
        var written = errors.ToString();

        // Read back with the platform's own CSV reader, as an operator's tool would.
        var record = await new CsvRecordReader(new MemoryStream(Encoding.UTF8.GetBytes(written)), ',', 0, 0).ReadAsync();

        Assert.NotNull(record);
        Assert.StartsWith("'", record.Fields[0], StringComparison.Ordinal);
        Assert.Equal(value, CsvCells.Original(record.Fields[0]));
        Assert.Equal("plain", record.Fields[1]);
        Assert.Equal(value, CsvCells.Original(CsvCells.Cell(value).Trim('"').Replace("\"\"", "\"", StringComparison.Ordinal)));
    }

    [Theory]
    [InlineData("plain")]
    [InlineData("a-b")]
    [InlineData("x=1")]
    public void AValueThatDoesNotStartWithAFormulaCharacterIsLeftAlone(string value) =>
        Assert.Equal(value, CsvCells.Cell(value));
}
