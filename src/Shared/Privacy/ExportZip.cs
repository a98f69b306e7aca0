using System.IO.Compression;
using System.Text;

namespace Impact.Shared.Privacy;

/// <summary>
/// The ZIP of an export, written entry by entry into a stream (the blob's): each entry is counted and hashed on
/// its way in, for the manifest.
/// </summary>
internal sealed class ExportZip(Stream output) : IAsyncDisposable
{
    /// <summary>UTF-8 without a byte order mark, for every text file of the export.</summary>
    public static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    private readonly ZipArchive zip = new(output, ZipArchiveMode.Create, leaveOpen: true);

    /// <summary>Adds an entry whose content <paramref name="write"/> writes; returns its uncompressed size and SHA-256.</summary>
    public async Task<(long Bytes, string Sha256)> WriteEntryAsync(string name, Func<Stream, Task> write, CancellationToken ct)
    {
        var entry = zip.CreateEntry(name, CompressionLevel.Fastest);
        await using var entryStream = await entry.OpenAsync(ct);
        await using var hashing = new HashingStream(entryStream);
        await write(hashing);
        await hashing.FlushAsync(ct);
        return (hashing.Length, hashing.HexHash());
    }

    /// <summary>Adds an entry holding <paramref name="text"/> in UTF-8.</summary>
    public Task<(long Bytes, string Sha256)> WriteTextAsync(string name, string text, CancellationToken ct) =>
        WriteEntryAsync(name, async s => await s.WriteAsync(Utf8.GetBytes(text), ct), ct);

    /// <summary>Writes the central directory; the output stream stays open.</summary>
    public ValueTask DisposeAsync() => zip.DisposeAsync();
}
