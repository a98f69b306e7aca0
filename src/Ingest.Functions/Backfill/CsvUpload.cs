using System.Net;
using Impact.Shared.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.Net.Http.Headers;

namespace Impact.Ingest.Backfill;

/// <summary>
/// The CSV file of an upload request: the raw body (text/csv and friends) or the file part of a
/// multipart/form-data body, capped at the upload limit while it is read, and the file's name.
/// </summary>
/// <param name="Body">The file's bytes, read once; a 413 past the limit.</param>
/// <param name="FileName">The file part's name, else the <c>fileName</c> query parameter, else <c>&lt;kind&gt;.csv</c>.</param>
internal sealed record CsvUpload(Stream Body, string FileName)
{
    private const string LimitHint =
        "Files in the request body are limited by Backfill:MaxDirectUploadBytes; upload larger files with an upload link (POST /v1/imports/uploads, see tools/UploadCsv).";

    // Room for the multipart framing around the file: the worker's server limit must not bite before ours.
    private const long FramingAllowance = 1 << 20;

    private static readonly string[] CsvContentTypes = ["text/csv", "application/csv", "text/plain", "application/octet-stream", "application/vnd.ms-excel"];

    /// <summary>The upload in <paramref name="request"/>; 400 a multipart body without a file, 413 too large, 415 not CSV.</summary>
    public static async Task<CsvUpload> OpenAsync(HttpRequest request, string kind, long maxBytes, CancellationToken ct)
    {
        if (request.ContentLength > maxBytes + FramingAllowance)
        {
            throw RequestBody.TooLarge(maxBytes, LimitHint);
        }

        // ASP.NET Core's server (Kestrel in the worker) stops bodies at 30,000,000 bytes unless raised per request;
        // raise it to our limit, which stays below the Functions host's 100 MiB.
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
        {
            limit.MaxRequestBodySize = maxBytes + FramingAllowance;
        }

        var (body, fileName) = await FindFileAsync(request, kind, ct);
        return new CsvUpload(RequestBody.Limit(body, maxBytes, LimitHint), fileName);
    }

    private static async Task<(Stream Body, string FileName)> FindFileAsync(HttpRequest request, string kind, CancellationToken ct)
    {
        var defaultName = request.Query["fileName"] is { Count: > 0 } q && !string.IsNullOrWhiteSpace(q[0]) ? q[0]! : kind + ".csv";
        if (!MediaTypeHeaderValue.TryParse(request.ContentType, out var type))
        {
            return (request.Body, defaultName);
        }

        if (type.MediaType.Equals("multipart/form-data", StringComparison.OrdinalIgnoreCase))
        {
            var boundary = HeaderUtilities.RemoveQuotes(type.Boundary).Value;
            if (string.IsNullOrEmpty(boundary))
            {
                throw new ProblemException(HttpStatusCode.BadRequest, "The upload could not be read", "The multipart body has no boundary.");
            }

            var reader = new MultipartReader(boundary, request.Body);
            while (await reader.ReadNextSectionAsync(ct) is { } section)
            {
                if (ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out var disposition)
                    && disposition.IsFileDisposition())
                {
                    var name = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).Value;
                    return (section.Body, string.IsNullOrWhiteSpace(name) ? defaultName : Path.GetFileName(name));
                }
            }

            throw new ProblemException(HttpStatusCode.BadRequest, "The upload could not be read",
                "The multipart body has no file part; send the CSV as a form field with a file name (curl -F file=@sessions.csv).");
        }

        if (!CsvContentTypes.Contains(type.MediaType.Value, StringComparer.OrdinalIgnoreCase))
        {
            throw new ProblemException(HttpStatusCode.UnsupportedMediaType, "Send a CSV file",
                $"Content type {type.MediaType} is not accepted; send text/csv or multipart/form-data.");
        }

        return (request.Body, defaultName);
    }
}
