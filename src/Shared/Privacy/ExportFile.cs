namespace Impact.Shared.Privacy;

/// <summary>One file of an export, as listed in its <c>manifest.json</c>.</summary>
/// <param name="Name">File name inside the ZIP.</param>
/// <param name="DataSet">The data set it holds.</param>
/// <param name="Rows">Rows in the data set.</param>
/// <param name="Bytes">Uncompressed size.</param>
/// <param name="Sha256">Lower-case hex SHA-256 of the uncompressed file.</param>
public sealed record ExportFile(string Name, string DataSet, long Rows, long Bytes, string Sha256);
