using Azure.Storage.Blobs;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Options;

namespace Impact.Shared.Privacy;

/// <summary>
/// Turns a <see cref="PrivacyRequest"/> into the <see cref="PrivacyRequestView"/> the API answers with: its status
/// URL and, for a completed export, a fresh short-lived download link (<see cref="ExportLinks"/>).
/// </summary>
public sealed class PrivacyRequestViews(BlobServiceClient blobs, IOptions<PrivacyOptions> options, TimeProvider time)
{
    /// <summary>The view of <paramref name="r"/>, with its status URL on the host <paramref name="req"/> came in on.</summary>
    public async Task<PrivacyRequestView> CreateAsync(HttpRequest req, PrivacyRequest r, CancellationToken ct = default)
    {
        string? downloadUrl = null;
        DateTimeOffset? expiresAt = null;
        // A fresh short-lived link on each read: no long-lived link is ever stored or logged.
        if (r is { Type: PrivacyRequestTypes.Export, Status: PrivacyRequestStatus.Completed, ResultLocation: { } location })
        {
            expiresAt = time.GetUtcNow().Add(options.Value.DownloadLinkLifetime);
            downloadUrl = (await ExportLinks.CreateAsync(blobs, location, expiresAt.Value, ct)).ToString();
        }

        return new PrivacyRequestView(r.Id, r.UserId, r.Type, r.Status, r.Progress, r.RequestedBy, r.ApprovedBy, r.RejectedBy,
            r.RequestedAt, r.DueAt, r.CompletedAt, r.Error, StatusUrl(req, r.Id), downloadUrl, expiresAt);
    }

    // The route prefix (v1) is whatever precedes /privacy/ in the path this request came in on.
    private static string StatusUrl(HttpRequest req, Guid id)
    {
        var path = req.Path.Value ?? "";
        var at = path.IndexOf("/privacy/", StringComparison.Ordinal);
        var prefix = at >= 0 ? path[..at] : "/v1";
        return $"{req.Scheme}://{req.Host}{req.PathBase}{prefix}/privacy/requests/{id}";
    }
}
