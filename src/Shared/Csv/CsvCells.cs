using System.Text;

namespace Impact.Shared.Csv;

/// <summary>
/// The one CSV cell rule of the files this platform writes (error files, export CSVs; RFC 4180, comma-separated).
/// <list type="bullet">
/// <item>Spreadsheet-safe (OWASP CSV injection): a value starting with <c>=</c>, <c>+</c>, <c>-</c>, <c>@</c>, tab or
/// carriage return — which a spreadsheet would run as a formula — is written with a leading apostrophe, and so is a
/// value that itself starts with an apostrophe, so the rule is exactly reversible: <see cref="Original"/> strips one
/// leading apostrophe and gives the value back.</item>
/// <item>Quoting: a cell holding a comma, semicolon, quote or line break, or starting or ending with a space, is
/// quoted, with the quotes inside doubled; semicolons and edge spaces are quoted too, so a spreadsheet that splits
/// on semicolons or trims unquoted cells still reads the value it was given.</item>
/// </list>
/// </summary>
public static class CsvCells
{
    private const string FormulaStarts = "=+-@\t\r'";

    /// <summary>
    /// Appends <paramref name="value"/> as the cell at <paramref name="column"/> (0-based) of <paramref name="line"/>:
    /// a comma first unless it is the first cell.
    /// </summary>
    public static StringBuilder Append(StringBuilder line, int column, string value)
    {
        if (column > 0)
        {
            line.Append(',');
        }

        return line.Append(Cell(value));
    }

    /// <summary>The cell as written: neutralised when a spreadsheet would run it, quoted when it has to be.</summary>
    public static string Cell(string value)
    {
        var safe = value.Length > 0 && FormulaStarts.Contains(value[0], StringComparison.Ordinal) ? "'" + value : value;
        return NeedsQuotes(safe) ? "\"" + safe.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : safe;
    }

    /// <summary>The value a neutralised cell stood for (the cell's text after CSV unquoting).</summary>
    public static string Original(string unquoted) => unquoted.StartsWith('\'') ? unquoted[1..] : unquoted;

    private static bool NeedsQuotes(string value) =>
        value.AsSpan().IndexOfAny(",;\"\r\n") >= 0 || (value.Length > 0 && (value[0] == ' ' || value[^1] == ' '));
}
