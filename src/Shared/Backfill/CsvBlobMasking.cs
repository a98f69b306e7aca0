using Azure;
using Azure.Storage.Blobs.Models;
using Azure.Storage.Blobs.Specialized;

namespace Impact.Shared.Backfill;

/// <summary>
/// Erases a person from a stored CSV file (a backfill upload or error file) without moving anything
/// else: every record that names the person's e-mail address is overwritten in place with <c>*</c>,
/// byte for byte, keeping its quotes, delimiters and line breaks. Record boundaries and byte offsets
/// stay where they were, so a paused job's checkpoint still points at the same record and the error
/// file's blocks keep their ids. A masked record no longer holds an e-mail address, so a job that
/// reaches it later rejects it instead of re-creating the person.
/// </summary>
public static class CsvBlobMasking
{
    private const byte Mask = (byte)'*';

    /// <summary>Records of the blob that name <paramref name="email"/>, as [start, end) byte ranges; empty when the blob is missing.</summary>
    /// <param name="blob">The CSV file.</param>
    /// <param name="delimiter">Its delimiter.</param>
    /// <param name="email">The address, in any case.</param>
    /// <param name="ct">Cancellation.</param>
    public static async Task<IReadOnlyList<(long Start, long End)>> FindRecordsNamingAsync(BlockBlobClient blob, char delimiter, string email,
        CancellationToken ct = default)
    {
        var found = new List<(long, long)>();
        Stream stream;
        try
        {
            stream = await blob.OpenReadAsync(new BlobOpenReadOptions(allowModifications: false) { BufferSize = 1 << 20 }, ct);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return found;
        }

        await using (stream)
        {
            var reader = new CsvRecordReader(stream, delimiter, 0, 0);
            long start = 0;
            while (await reader.ReadAsync(ct) is { } record)
            {
                if (record.Fields.Any(f => NamesAddress(f, email)))
                {
                    found.Add((start, record.EndOffset));
                }

                start = record.EndOffset;
            }
        }

        return found;
    }

    /// <summary>
    /// Masks every record naming <paramref name="email"/>; returns how many. The blob is written only when
    /// there is something to mask, and only if nobody changed it since it was read (else Azure answers 412
    /// and the caller retries).
    /// </summary>
    /// <param name="blob">The CSV file.</param>
    /// <param name="delimiter">Its delimiter.</param>
    /// <param name="email">The address, in any case.</param>
    /// <param name="ct">Cancellation.</param>
    public static async Task<int> MaskRecordsNamingAsync(BlockBlobClient blob, char delimiter, string email, CancellationToken ct = default)
    {
        BlobProperties properties;
        try
        {
            properties = await blob.GetPropertiesAsync(cancellationToken: ct);
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return 0;
        }

        var ranges = await FindRecordsNamingAsync(blob, delimiter, email, ct);
        if (ranges.Count == 0)
        {
            return 0;
        }

        var unchanged = new BlobRequestConditions { IfMatch = properties.ETag };
        var commit = new CommitBlockListOptions
        {
            HttpHeaders = new BlobHttpHeaders { ContentType = properties.ContentType },
            Conditions = unchanged,
        };
        BlockList list = await blob.GetBlockListAsync(BlockListTypes.Committed, cancellationToken: ct);
        var blocks = list.CommittedBlocks.Select(b => (b.Name, Size: b.SizeLong)).ToList();
        // A blob written in one request has no blocks: it is rewritten whole, as blocks of 4 MiB.
        var rewriteAll = blocks.Count == 0;
        if (rewriteAll)
        {
            for (long offset = 0, i = 0; offset < properties.ContentLength; offset += 4 << 20, i++)
            {
                blocks.Add((Convert.ToBase64String(BitConverter.GetBytes(i)), Math.Min(4 << 20, properties.ContentLength - offset)));
            }
        }

        long blockStart = 0;
        foreach (var block in blocks)
        {
            var blockEnd = blockStart + block.Size;
            var hit = ranges.Where(r => r.Start < blockEnd && r.End > blockStart).ToList();
            if (hit.Count > 0 || rewriteAll)
            {
                BlobDownloadResult part = await blob.DownloadContentAsync(new BlobDownloadOptions
                {
                    Range = new HttpRange(blockStart, block.Size),
                    Conditions = unchanged,
                }, ct);
                var bytes = part.Content.ToArray();
                foreach (var (start, end) in hit)
                {
                    MaskRange(bytes, (int)Math.Max(0, start - blockStart), (int)(Math.Min(end, blockEnd) - blockStart), (byte)delimiter);
                }

                using var content = new MemoryStream(bytes, writable: false);
                await blob.StageBlockAsync(block.Name, content, cancellationToken: ct);
            }

            blockStart = blockEnd;
        }

        await blob.CommitBlockListAsync(blocks.Select(b => b.Name), commit, ct);
        return ranges.Count;
    }

    /// <summary>Whether <paramref name="text"/> holds <paramref name="email"/> as a whole address (not inside a longer one), in any case.</summary>
    /// <param name="text">A value from the file.</param>
    /// <param name="email">The address.</param>
    public static bool NamesAddress(string text, string email)
    {
        for (var at = text.IndexOf(email, StringComparison.OrdinalIgnoreCase); at >= 0;
             at = text.IndexOf(email, at + 1, StringComparison.OrdinalIgnoreCase))
        {
            var end = at + email.Length;
            if ((at == 0 || !IsAddressChar(text[at - 1])) && (end == text.Length || !IsAddressChar(text[end])))
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsAddressChar(char c) => char.IsLetterOrDigit(c) || c is '.' or '_' or '%' or '+' or '-' or '@';

    private static void MaskRange(byte[] bytes, int from, int to, byte delimiter)
    {
        for (var i = from; i < to; i++)
        {
            var b = bytes[i];
            if (b != (byte)'"' && b != delimiter && b != (byte)'\r' && b != (byte)'\n')
            {
                bytes[i] = Mask;
            }
        }
    }
}
