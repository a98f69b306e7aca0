using System.Data.Common;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Impact.Shared.Csv;

namespace Impact.Shared.Privacy;

/// <summary>A data set of an export as CSV: UTF-8, comma-separated, CRLF, a header row, <see cref="CsvCells"/> quoting.</summary>
internal static class ExportCsvFile
{
    /// <summary>Writes the header and every row of <paramref name="reader"/> to <paramref name="stream"/>.</summary>
    public static async Task WriteAsync(DbDataReader reader, Stream stream, CancellationToken ct)
    {
        await using var writer = new StreamWriter(stream, ExportZip.Utf8, bufferSize: 64 * 1024, leaveOpen: true) { NewLine = "\r\n" };
        var line = new StringBuilder();
        for (var c = 0; c < reader.FieldCount; c++)
        {
            CsvCells.Append(line, c, reader.GetName(c));
        }

        await writer.WriteLineAsync(line, ct);
        while (await reader.ReadAsync(ct))
        {
            line.Clear();
            for (var c = 0; c < reader.FieldCount; c++)
            {
                CsvCells.Append(line, c, Text(reader, c));
            }

            await writer.WriteLineAsync(line, ct);
        }

        await writer.FlushAsync(ct);
    }

    private static string Text(DbDataReader reader, int c)
    {
        if (reader.IsDBNull(c))
        {
            return "";
        }

        return reader.GetValue(c) switch
        {
            DateTime d => DateTime.SpecifyKind(d, DateTimeKind.Utc).ToString("O", CultureInfo.InvariantCulture),
            string[] a => JsonSerializer.Serialize(a, ExportJsonFile.Options),
            IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
            var other => Convert.ToString(other, CultureInfo.InvariantCulture) ?? "",
        };
    }
}
