using System.Text;

namespace Impact.Shared.Backfill;

/// <summary>One CSV record as read from the file.</summary>
/// <param name="Fields">The values, unquoted. For a record with broken quoting, the text as written.</param>
/// <param name="RecordNumber">The record's position in the file; the header is record 1.</param>
/// <param name="EndOffset">The byte offset just after the record and its line ending: where the next record starts.</param>
/// <param name="Error">Why the record is malformed (broken quoting), or <c>null</c>.</param>
public sealed record CsvRecord(string[] Fields, long RecordNumber, long EndOffset, string? Error)
{
    /// <summary>A line with nothing on it; skipped, not counted.</summary>
    public bool IsBlank => Fields.Length == 1 && Fields[0].Length == 0 && Error is null;
}

/// <summary>
/// Reads CSV records straight from UTF-8 bytes, starting at any record boundary, and says at
/// which byte offset each record ends — that offset is the backfill's checkpoint. RFC 4180:
/// quoted values may hold the delimiter, doubled quotes and line breaks; lines end in LF or CRLF.
/// Memory is one buffer of <c>maxRecordBytes</c> + 64 KiB, whatever the file size.
/// Broken quoting does not derail the rest of the file: a quote inside an unquoted value is
/// kept as text and the record flagged; a quoted value that never closes properly is cut at
/// its first line break and flagged, and reading continues on the next line.
/// </summary>
public sealed class CsvRecordReader
{
    private const byte Quote = (byte)'"';
    private const byte Lf = (byte)'\n';
    private const byte Cr = (byte)'\r';

    private readonly Stream stream;
    private readonly byte delimiter;
    private readonly int maxRecordBytes;
    private readonly byte[] buffer;
    private int start;
    private int end;
    private long bufferOffset;
    private bool eof;
    private long recordNumber;

    /// <summary>Reads from <paramref name="stream"/>, whose first byte is at file offset <paramref name="startOffset"/>.</summary>
    /// <param name="stream">Positioned at a record boundary.</param>
    /// <param name="delimiter">',' or ';'.</param>
    /// <param name="startOffset">The file offset of the stream's first byte.</param>
    /// <param name="recordsBefore">How many records precede this offset (header included).</param>
    /// <param name="maxRecordBytes">A record longer than this is treated as broken quoting.</param>
    public CsvRecordReader(Stream stream, char delimiter, long startOffset, long recordsBefore, int maxRecordBytes = 1 << 20)
    {
        this.stream = stream;
        this.delimiter = (byte)delimiter;
        this.maxRecordBytes = maxRecordBytes;
        buffer = new byte[maxRecordBytes + (64 << 10)];
        bufferOffset = startOffset;
        recordNumber = recordsBefore;
    }

    /// <summary>The file offset of the next unread byte.</summary>
    public long Offset => bufferOffset + start;

    /// <summary>The number of the last record read (header included); where the next one starts counting.</summary>
    public long RecordNumber => recordNumber;

    /// <summary>The next record, or <c>null</c> at the end of the file.</summary>
    public async ValueTask<CsvRecord?> ReadAsync(CancellationToken ct = default)
    {
        var rel = 0;               // scan position relative to start
        var inQuotes = false;
        var fieldStart = true;
        var firstBreakInQuotes = -1;
        while (true)
        {
            while (start + rel < end)
            {
                var b = buffer[start + rel];
                if (inQuotes)
                {
                    if (b == Quote)
                    {
                        if (start + rel + 1 >= end && !eof)
                        {
                            break; // need the next byte to tell "" from a closing quote
                        }

                        var next = start + rel + 1 < end ? buffer[start + rel + 1] : Lf;
                        if (next == Quote)
                        {
                            rel += 2;
                            continue;
                        }

                        inQuotes = false;
                        rel++;
                        if (next != delimiter && next != Cr && next != Lf && firstBreakInQuotes >= 0)
                        {
                            // The "closing" quote was really the opening quote of a later line:
                            // the value that spanned lines was never closed. Cut at its first line break.
                            return Emit(firstBreakInQuotes + 1, "a quoted value is never closed");
                        }

                        continue;
                    }

                    if (b == Lf && firstBreakInQuotes < 0)
                    {
                        firstBreakInQuotes = rel;
                    }

                    rel++;
                    continue;
                }

                if (b == Lf)
                {
                    return Emit(rel + 1, null);
                }

                if (b == Quote && fieldStart)
                {
                    inQuotes = true;
                }

                fieldStart = b == delimiter;
                rel++;
            }

            if (rel > maxRecordBytes)
            {
                return Emit(firstBreakInQuotes >= 0 ? firstBreakInQuotes + 1 : rel,
                    inQuotes ? "a quoted value is never closed" : $"the record is longer than {maxRecordBytes} bytes");
            }

            if (!await FillAsync(ct))
            {
                if (end == start)
                {
                    return null;
                }

                if (start + rel < end)
                {
                    continue; // the file ends in a quote: scan it now that the end is known
                }

                return inQuotes
                    ? Emit(firstBreakInQuotes >= 0 ? firstBreakInQuotes + 1 : rel, "a quoted value is never closed")
                    : Emit(rel, null);
            }
        }
    }

    private async ValueTask<bool> FillAsync(CancellationToken ct)
    {
        if (eof)
        {
            return false;
        }

        if (start > 0)
        {
            Buffer.BlockCopy(buffer, start, buffer, 0, end - start);
            bufferOffset += start;
            end -= start;
            start = 0;
        }

        var read = await stream.ReadAsync(buffer.AsMemory(end), ct);
        if (read == 0)
        {
            eof = true;
            return false;
        }

        end += read;
        return true;
    }

    private CsvRecord Emit(int length, string? recordError)
    {
        var span = buffer.AsSpan(start, length);
        start += length;
        recordNumber++;
        if (span.Length > 0 && span[^1] == Lf)
        {
            span = span[..^1];
        }

        if (span.Length > 0 && span[^1] == Cr)
        {
            span = span[..^1];
        }

        var (fields, fieldError) = SplitFields(span, delimiter);
        return new CsvRecord(fields, recordNumber, Offset, recordError ?? fieldError);
    }

    /// <summary>Splits one record (without its line ending) into unquoted values.</summary>
    private static (string[] Fields, string? Error) SplitFields(ReadOnlySpan<byte> record, byte delimiter)
    {
        var fields = new List<string>(12);
        string? error = null;
        var i = 0;
        while (true)
        {
            var column = fields.Count + 1;
            if (i < record.Length && record[i] == Quote)
            {
                // Quoted value: up to the closing quote, "" is one quote.
                var j = i + 1;
                var hasEscapes = false;
                var closed = false;
                while (j < record.Length)
                {
                    if (record[j] == Quote)
                    {
                        if (j + 1 < record.Length && record[j + 1] == Quote)
                        {
                            hasEscapes = true;
                            j += 2;
                            continue;
                        }

                        closed = true;
                        break;
                    }

                    j++;
                }

                var text = Encoding.UTF8.GetString(record[(i + 1)..j]);
                if (hasEscapes)
                {
                    text = text.Replace("\"\"", "\"", StringComparison.Ordinal);
                }

                if (!closed)
                {
                    error ??= $"column {column}: a quoted value is never closed";
                    fields.Add(text);
                    break;
                }

                var k = j + 1;
                var stop = record[k..].IndexOf(delimiter);
                var next = stop < 0 ? record.Length : k + stop;
                if (next > k)
                {
                    error ??= $"column {column}: text after the closing quote";
                    text += Encoding.UTF8.GetString(record[k..next]);
                }

                fields.Add(text);
                if (next >= record.Length)
                {
                    break;
                }

                i = next + 1;
            }
            else
            {
                var stop = record[i..].IndexOf(delimiter);
                var next = stop < 0 ? record.Length : i + stop;
                var value = record[i..next];
                if (value.Contains(Quote))
                {
                    error ??= $"column {column}: a quote inside an unquoted value (quote the whole value and double the inner quotes)";
                }

                fields.Add(value.Length == 0 ? "" : Encoding.UTF8.GetString(value));
                if (next >= record.Length)
                {
                    break;
                }

                i = next + 1;
            }
        }

        return (fields.ToArray(), error);
    }
}
