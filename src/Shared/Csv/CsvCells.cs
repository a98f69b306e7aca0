using System.Text;

namespace Impact.Shared.Csv;

/// <summary>
/// The one CSV quoting rule of the files this platform writes (RFC 4180, comma-separated): a cell holding a
/// comma, semicolon, quote or line break, or starting or ending with a space, is quoted, with the quotes inside
/// doubled; any other cell is written as it is. Semicolons and edge spaces are quoted too, so a spreadsheet that
/// splits on semicolons or trims unquoted cells still reads the value it was given.
/// </summary>
public static class CsvCells
{
    /// <summary>
    /// Appends <paramref name="value"/> as the cell at <paramref name="column"/> (0-based) of <paramref name="line"/>:
    /// a comma first unless it is the first cell, quoted when it has to be.
    /// </summary>
    public static StringBuilder Append(StringBuilder line, int column, string value)
    {
        if (column > 0)
        {
            line.Append(',');
        }

        return NeedsQuotes(value)
            ? line.Append('"').Append(value.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"')
            : line.Append(value);
    }

    private static bool NeedsQuotes(string value) =>
        value.AsSpan().IndexOfAny(",;\"\r\n") >= 0 || (value.Length > 0 && (value[0] == ' ' || value[^1] == ' '));
}
