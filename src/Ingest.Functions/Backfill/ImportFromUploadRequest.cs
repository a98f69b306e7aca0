using Impact.Shared.Backfill;
using Impact.Shared.Http;

namespace Impact.Ingest.Backfill;

/// <summary>The body of <c>POST /v1/imports/from-upload</c>: which kind of file, the uploaded blob, its name for people.</summary>
public sealed record ImportFromUploadRequest(string? Kind, string? BlobName, string? FileName)
{
    private const int MaxBlobName = 200;
    private const int MaxFileName = 255;

    /// <summary>The values, or one 400 naming every field that is missing or wrong.</summary>
    public (string Kind, string BlobName, string? FileName) Validate()
    {
        var errors = new Dictionary<string, string[]>();
        if (Kind is not (BackfillKinds.KintellSessions or BackfillKinds.KintellUsers))
        {
            errors["kind"] = [$"must be {BackfillKinds.KintellSessions} or {BackfillKinds.KintellUsers}"];
        }

        if (string.IsNullOrWhiteSpace(BlobName) || BlobName.Length > MaxBlobName)
        {
            errors["blobName"] = ["is required: the blobName returned by POST /v1/imports/uploads"];
        }

        if (FileName is { Length: > MaxFileName })
        {
            errors["fileName"] = [$"is at most {MaxFileName} characters"];
        }

        if (errors.Count > 0)
        {
            throw ProblemException.Validation("The import cannot start: " + string.Join("; ", errors.Keys) + " invalid.", errors);
        }

        return (Kind!, BlobName!.Trim(), FileName);
    }
}
