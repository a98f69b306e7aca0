using Impact.Shared.Csv;
using System.Text;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace Impact.Shared.Backfill;

/// <summary>
/// The downloadable error CSV of a backfill job: the file's own columns plus
/// <c>_error_row</c> (the row a spreadsheet shows for the record, header = 1), <c>_error_line</c> (the physical
/// line the record starts on) and <c>_error_message</c>, written in the input's conventions — its delimiter, a BOM
/// when it had one, CRLF when it used CRLF — with spreadsheet-safe cells (<see cref="CsvCells"/>). It is a block blob with one block per chunk,
/// named after the chunk's start offset, so writing a chunk's errors again (after a crash or a
/// retry) replaces that block instead of duplicating the rows.
/// </summary>
public static class ErrorFile
{
    /// <summary>The column holding the row a spreadsheet shows for the record (header = 1).</summary>
    public const string RowColumn = "_error_row";

    /// <summary>The column holding the physical line (1-based) on which the record starts.</summary>
    public const string LineColumn = "_error_line";

    /// <summary>The column holding every reason the row was rejected.</summary>
    public const string MessageColumn = "_error_message";

    /// <summary>Creates the blob holding just the header row (after a BOM when <paramref name="format"/> has one).</summary>
    public static async Task CreateAsync(BlockBlobClient blob, IReadOnlyList<string> columns, ErrorFileFormat format, CancellationToken ct = default)
    {
        using var content = new MemoryStream();
        using (var writer = new StreamWriter(content, new UTF8Encoding(format.Bom), leaveOpen: true))
        {
            WriteLine(writer, [.. columns, RowColumn, LineColumn, MessageColumn], format);
        }

        content.Position = 0;
        var id = BlockId(0);
        await blob.StageBlockAsync(id, content, cancellationToken: ct);
        await blob.CommitBlockListAsync([id], new CommitBlockListOptions
        {
            HttpHeaders = new BlobHttpHeaders { ContentType = "text/csv; charset=utf-8" },
        }, ct);
    }

    /// <summary>Appends one rejected record to a chunk's error rows (<paramref name="writer"/> writes no BOM).</summary>
    public static void WriteRow(TextWriter writer, IReadOnlyList<string> fields, int columnCount, long recordNumber, long lineNumber,
        string message, ErrorFileFormat format)
    {
        var values = new string[columnCount + 3];
        for (var i = 0; i < columnCount; i++)
        {
            values[i] = i < fields.Count ? fields[i] : "";
        }

        if (fields.Count > columnCount && columnCount > 0)
        {
            // Extra values stay visible in the last column rather than being dropped.
            values[columnCount - 1] = string.Join(format.Delimiter, fields.Skip(columnCount - 1));
        }

        values[columnCount] = recordNumber.ToString(System.Globalization.CultureInfo.InvariantCulture);
        values[columnCount + 1] = lineNumber.ToString(System.Globalization.CultureInfo.InvariantCulture);
        values[columnCount + 2] = message;
        WriteLine(writer, values, format);
    }

    /// <summary>
    /// Adds (or replaces) the block of the chunk starting at <paramref name="chunkOffset"/>:
    /// the committed list keeps the header and earlier chunks, then this one.
    /// </summary>
    public static async Task AppendChunkAsync(BlockBlobClient blob, long chunkOffset, byte[] rows, CancellationToken ct = default)
    {
        var id = BlockId(chunkOffset);
        using (var content = new MemoryStream(rows, writable: false))
        {
            await blob.StageBlockAsync(id, content, cancellationToken: ct);
        }

        BlockList list = await blob.GetBlockListAsync(BlockListTypes.Committed, cancellationToken: ct);
        var keep = list.CommittedBlocks.Select(b => b.Name).Where(n => IsOffsetBefore(n, chunkOffset));
        await blob.CommitBlockListAsync([.. keep, id], new CommitBlockListOptions
        {
            HttpHeaders = new BlobHttpHeaders { ContentType = "text/csv; charset=utf-8" },
        }, ct);
    }

    private static bool IsOffsetBefore(string blockId, long offset) =>
        long.Parse(Encoding.ASCII.GetString(Convert.FromBase64String(blockId)), System.Globalization.CultureInfo.InvariantCulture) < offset;

    // Block ids must all have the same length: a zero-padded offset.
    private static string BlockId(long offset) =>
        Convert.ToBase64String(Encoding.ASCII.GetBytes(offset.ToString("D20", System.Globalization.CultureInfo.InvariantCulture)));

    // CsvCells quotes a cell holding a comma or a semicolon, so either delimiter is safe.
    private static void WriteLine(TextWriter writer, IReadOnlyList<string> values, ErrorFileFormat format)
    {
        for (var i = 0; i < values.Count; i++)
        {
            if (i > 0)
            {
                writer.Write(format.Delimiter);
            }

            writer.Write(CsvCells.Cell(values[i]));
        }

        writer.Write(format.Crlf ? "\r\n" : "\n");
    }
}
