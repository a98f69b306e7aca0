namespace Impact.Shared.Privacy;

/// <summary>What an export wrote.</summary>
/// <param name="Location"><c>container/blob</c> of the ZIP.</param>
/// <param name="Files">The data files (not the manifest itself).</param>
/// <param name="Status">The request's status afterwards: <see cref="PrivacyRequestStatus.Completed"/>, or
/// <see cref="PrivacyRequestStatus.Failed"/> when the person was erased before the export completed (no ZIP stays).</param>
public sealed record ExportResult(string Location, IReadOnlyList<ExportFile> Files, string Status)
{
    /// <summary>Rows exported: each data set counted once (its JSON file), not twice.</summary>
    public long Rows => Files.Where(f => f.Name.EndsWith(".json", StringComparison.Ordinal)).Sum(f => f.Rows);
}
