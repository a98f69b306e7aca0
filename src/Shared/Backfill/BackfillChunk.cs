namespace Impact.Shared.Backfill;

/// <summary>What one chunk read from an uploaded file amounts to (see <see cref="BackfillChunkImporter"/>).</summary>
/// <param name="StartOffset">Byte offset of the chunk's first record: the checkpoint it continues from.</param>
/// <param name="EndOffset">Byte offset after its last record: the next checkpoint.</param>
/// <param name="LastRecord">Number of its last record (header = 1).</param>
/// <param name="EndLine">Physical lines consumed up to <paramref name="EndOffset"/> (header included).</param>
/// <param name="EndOfFile">Whether the file ends with this chunk.</param>
/// <param name="Sessions">Valid rows of a sessions file.</param>
/// <param name="Users">Valid rows of a users file.</param>
/// <param name="Failed">Records rejected.</param>
/// <param name="ErrorRows">The rejected records as error-file CSV lines.</param>
public sealed record BackfillChunk(long StartOffset, long EndOffset, long LastRecord, long EndLine, bool EndOfFile,
    List<SessionRow> Sessions, List<UserRow> Users, long Failed, byte[] ErrorRows);
