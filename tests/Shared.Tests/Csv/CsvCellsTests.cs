using System.Text;
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
}
