namespace Impact.Shared.Privacy;

/// <summary>What an export wrote.</summary>
/// <param name="Location"><c>container/blob</c> of the ZIP.</param>
/// <param name="Files">The data files (not the manifest itself).</param>
public sealed record ExportResult(string Location, IReadOnlyList<ExportFile> Files)
{
    /// <summary>Rows exported: each data set counted once (its JSON file), not twice.</summary>
    public long Rows => Files.Where(f => f.Name.EndsWith(".json", StringComparison.Ordinal)).Sum(f => f.Rows);
}
