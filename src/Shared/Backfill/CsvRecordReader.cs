using System.Text;

namespace Impact.Shared.Backfill;

/// <summary>One CSV record as read from the file.</summary>
/// <param name="Fields">The values, unquoted. For a record with broken quoting, the text as written.</param>
/// <param name="RecordNumber">
/// The record's position in the file, the row a spreadsheet shows for it: the header is row 1, a blank line is a row,
/// a record with quoted line breaks is one row.
/// </param>
/// <param name="EndOffset">The byte offset just after the record and its line ending: where the next record starts.</param>
/// <param name="Error">Why the record is malformed (broken quoting), or <c>null</c>.</param>
/// <param name="LineNumber">The physical line (1-based, counting every line feed) on which the record starts.</param>
public sealed record CsvRecord(string[] Fields, long RecordNumber, long EndOffset, string? Error, long LineNumber = 0)
{
    /// <summary>A line with nothing on it; skipped, not counted.</summary>
    public bool IsBlank => Fields.Length == 1 && Fields[0].Length == 0 && Error is null;
}

/// <summary>
/// Reads CSV records straight from UTF-8 bytes, starting at any record boundary, and says at
/// which byte offset each record ends — that offset is the backfill's checkpoint. RFC 4180:
/// quoted values may hold the delimiter, doubled quotes and line breaks; lines end in LF or CRLF.
/// Memory is one buffer of <c>maxRecordBytes</c> + 64 KiB, whatever the file size.
/// <para>
/// Broken quoting stays on the broken lines. A quote inside an unquoted value is kept as text and the
/// record flagged. A quoted value that runs past a line break is accepted only when it looks like a genuine
/// quoted line break: no line inside the quoted value holds as many delimiters as a whole record would
/// (<c>expectedColumns</c> − 1), the quote closes right before a delimiter or the end of the line, and the
/// record as a whole has <c>expectedColumns</c> values. Otherwise only the line that opened the quote is a
/// broken record ("unterminated quote") and reading resumes on the next line — so a stray closing quote
/// further down is a broken record of its own, and the good rows in between are read as rows.
/// </para>
/// </summary>
public sealed class CsvRecordReader
{
    /// <summary>The words every record cut at an unclosed quote carries in its error.</summary>
    public const string UnterminatedQuote = "unterminated quote";

    private const byte Quote = (byte)'"';
    private const byte Lf = (byte)'\n';
    private const byte Cr = (byte)'\r';

    private readonly Stream stream;
    private readonly byte delimiter;
    private readonly int maxRecordBytes;
    private readonly int expectedColumns;
    private readonly byte[] buffer;
    private int start;
    private int end;
    private long bufferOffset;
    private bool eof;
    private long recordNumber;
    private long linesRead;

    /// <summary>Reads from <paramref name="stream"/>, whose first byte is at file offset <paramref name="startOffset"/>.</summary>
    /// <param name="stream">Positioned at a record boundary.</param>
    /// <param name="delimiter">',' or ';'.</param>
    /// <param name="startOffset">The file offset of the stream's first byte.</param>
    /// <param name="recordsBefore">How many records precede this offset (header included).</param>
    /// <param name="maxRecordBytes">A record longer than this is treated as broken quoting.</param>
    /// <param name="expectedColumns">The header's column count; 0 (unknown) accepts any quoted line break that RFC 4180 allows.</param>
    /// <param name="linesBefore">How many physical lines precede this offset (the header's included).</param>
    public CsvRecordReader(Stream stream, char delimiter, long startOffset, long recordsBefore, int maxRecordBytes = 1 << 20,
        int expectedColumns = 0, long linesBefore = 0)
    {
        this.stream = stream;
        this.delimiter = (byte)delimiter;
        this.maxRecordBytes = maxRecordBytes;
        this.expectedColumns = expectedColumns;
        buffer = new byte[maxRecordBytes + (64 << 10)];
        bufferOffset = startOffset;
        recordNumber = recordsBefore;
        linesRead = linesBefore;
    }

    /// <summary>The file offset of the next unread byte.</summary>
    public long Offset => bufferOffset + start;

    /// <summary>The number of the last record read (header included); where the next one starts counting.</summary>
    public long RecordNumber => recordNumber;

    /// <summary>The physical lines read so far (the header's included): the next record starts on the line after.</summary>
    public long LinesRead => linesRead;

    /// <summary>The next record, or <c>null</c> at the end of the file.</summary>
    public async ValueTask<CsvRecord?> ReadAsync(CancellationToken ct = default)
    {
        var rel = 0;               // scan position relative to start
        var inQuotes = false;
        var fieldStart = true;
        var firstBreak = -1;       // the first line break inside quotes: where a broken record is cut
        var quotedDelimiters = 0;  // delimiters inside quotes on the current continuation line
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
                        if (firstBreak >= 0 && (LooksLikeARecord(quotedDelimiters) || (next != delimiter && next != Cr && next != Lf)))
                        {
                            // The value that spanned lines swallowed a record, or its "closing" quote was really the
                            // opening quote of a later line: the quote that opened it was never closed.
                            return Cut(firstBreak);
                        }

                        continue;
                    }

                    if (b == Lf)
                    {
                        if (firstBreak < 0)
                        {
                            firstBreak = rel;
                        }
                        else if (LooksLikeARecord(quotedDelimiters))
                        {
                            return Cut(firstBreak);
                        }

                        quotedDelimiters = 0;
                    }
                    else if (b == delimiter)
                    {
                        quotedDelimiters++;
                    }

                    rel++;
                    continue;
                }

                if (b == Lf)
                {
                    return firstBreak >= 0 ? EmitSpanning(rel + 1, firstBreak) : Emit(rel + 1, null);
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
                return firstBreak >= 0 ? Cut(firstBreak) : Emit(rel,
                    inQuotes ? $"{UnterminatedQuote}: a quoted value is never closed" : $"the record is longer than {maxRecordBytes} bytes");
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
                    ? firstBreak >= 0 ? Cut(firstBreak) : Emit(rel, $"{UnterminatedQuote}: a quoted value is never closed")
                    : firstBreak >= 0 ? EmitSpanning(rel, firstBreak) : Emit(rel, null);
            }
        }
    }

    // A line inside a quoted value with as many delimiters as a whole record is a record, not text.
    private bool LooksLikeARecord(int quotedDelimiterCount) => expectedColumns > 1 && quotedDelimiterCount >= expectedColumns - 1;

    // The record spans lines inside quotes: keep it whole only if it has the header's number of values and no error.
    private CsvRecord EmitSpanning(int length, int firstBreak)
    {
        if (expectedColumns > 0)
        {
            var (fields, error) = SplitFields(Trim(buffer.AsSpan(start, length)), delimiter);
            if (error is not null || fields.Length != expectedColumns)
            {
                return Cut(firstBreak);
            }

            return Take(length, fields, null);
        }

        return Emit(length, null);
    }

    // Only the line that opened the quote is the broken record; the next line is read on its own.
    private CsvRecord Cut(int firstBreak) =>
        Emit(firstBreak + 1, $"{UnterminatedQuote}: a quoted value opened on this line is never closed on it (the next lines are read as rows of their own)");

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
        var (fields, fieldError) = SplitFields(Trim(buffer.AsSpan(start, length)), delimiter);
        return Take(length, fields, recordError ?? fieldError);
    }

    private CsvRecord Take(int length, string[] fields, string? error)
    {
        var line = linesRead + 1;
        linesRead += buffer.AsSpan(start, length).Count(Lf);
        start += length;
        recordNumber++;
        return new CsvRecord(fields, recordNumber, Offset, error, line);
    }

    // The record without its line ending.
    private static ReadOnlySpan<byte> Trim(ReadOnlySpan<byte> span)
    {
        if (span.Length > 0 && span[^1] == Lf)
        {
            span = span[..^1];
        }

        if (span.Length > 0 && span[^1] == Cr)
        {
            span = span[..^1];
        }

        return span;
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
                    error ??= $"column {column}: {UnterminatedQuote} (a quoted value is never closed)";
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
