namespace Impact.Shared.Backfill;

/// <summary>What the first line of an uploaded CSV says: delimiter, column names, where the data starts.</summary>
/// <param name="Delimiter">',' or ';', whichever the header uses more often outside quotes.</param>
/// <param name="Columns">The column names as written, in file order.</param>
/// <param name="DataOffset">The byte offset of the first data record (after a UTF-8 BOM and the header).</param>
/// <param name="DataLines">The physical lines the header takes (1 unless a column name holds a quoted line break).</param>
/// <param name="Bom">Whether the file starts with a UTF-8 byte order mark.</param>
/// <param name="Crlf">Whether the header line ends in CRLF (the file's line ending, for files written back in its conventions).</param>
public sealed record CsvHeader(char Delimiter, IReadOnlyList<string> Columns, long DataOffset, long DataLines = 1, bool Bom = false, bool Crlf = false)
{
    private static readonly byte[] Utf8Bom = [0xEF, 0xBB, 0xBF];

    /// <summary>Reads the header from the start of a file; <c>null</c> when the file is empty.</summary>
    public static async Task<CsvHeader?> ReadAsync(Stream file, CancellationToken ct = default)
    {
        // The header is short: look at the first 64 KiB to pick the delimiter, then parse it properly.
        var head = new byte[64 << 10];
        var length = 0;
        int read;
        while (length < head.Length && (read = await file.ReadAsync(head.AsMemory(length), ct)) > 0)
        {
            length += read;
        }

        if (length == 0)
        {
            return null;
        }

        var skip = length >= 3 && head.AsSpan(0, 3).SequenceEqual(Utf8Bom) ? 3 : 0;
        var delimiter = GuessDelimiter(head.AsSpan(skip, length - skip));
        using var rest = new ConcatenatedStream(head.AsMemory(skip, length - skip), file);
        var reader = new CsvRecordReader(rest, delimiter, skip, 0);
        var record = await reader.ReadAsync(ct);
        if (record is null || record.IsBlank)
        {
            return null;
        }

        var e = (int)Math.Min(record.EndOffset, length);
        var crlf = e >= 2 && head[e - 1] == '\n' && head[e - 2] == '\r';
        return new CsvHeader(delimiter, record.Fields.Select(f => f.Trim()).ToArray(), record.EndOffset, reader.LinesRead, skip == 3, crlf);
    }

    private static char GuessDelimiter(ReadOnlySpan<byte> text)
    {
        int commas = 0, semicolons = 0;
        var inQuotes = false;
        foreach (var b in text)
        {
            if (b == '"')
            {
                inQuotes = !inQuotes;
            }
            else if (!inQuotes && b == '\n')
            {
                break;
            }
            else if (!inQuotes && b == ',')
            {
                commas++;
            }
            else if (!inQuotes && b == ';')
            {
                semicolons++;
            }
        }

        return semicolons > commas ? ';' : ',';
    }

    /// <summary>Reads the bytes already taken from the stream, then the rest of the stream.</summary>
    private sealed class ConcatenatedStream(ReadOnlyMemory<byte> first, Stream second) : Stream
    {
        private ReadOnlyMemory<byte> pending = first;

        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => false;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken cancellationToken = default)
        {
            if (pending.Length > 0)
            {
                var n = Math.Min(pending.Length, destination.Length);
                pending[..n].CopyTo(destination);
                pending = pending[n..];
                return n;
            }

            return await second.ReadAsync(destination, cancellationToken);
        }

        public override int Read(byte[] buffer, int offset, int count) =>
            ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

        public override void Flush() { }
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
