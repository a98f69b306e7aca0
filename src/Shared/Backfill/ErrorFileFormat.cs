namespace Impact.Shared.Backfill;

/// <summary>How an error file is written: in the conventions of the file it reports on.</summary>
/// <param name="Delimiter">',' or ';'.</param>
/// <param name="Bom">Whether the file starts with a UTF-8 byte order mark.</param>
/// <param name="Crlf">Whether lines end in CRLF (else LF).</param>
public sealed record ErrorFileFormat(char Delimiter, bool Bom, bool Crlf)
{
    /// <summary>The conventions of the uploaded file <paramref name="header"/> was read from.</summary>
    public static ErrorFileFormat Of(CsvHeader header) => new(header.Delimiter, header.Bom, header.Crlf);

    /// <summary>The conventions recorded with <paramref name="job"/>.</summary>
    public static ErrorFileFormat Of(BackfillJob job) => new(job.ErrorDelimiter[0], job.ErrorBom, job.ErrorCrlf);
}
