using System.Net;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Impact.Shared.Http;

/// <summary>
/// The one way an HTTP function reads its body: capped in size, a malformed document told apart
/// from a value of the wrong type, and every problem answered as problem+json by the middleware.
/// </summary>
public static class RequestBody
{
    /// <summary>The cap of an admin API's JSON body unless the function gives another.</summary>
    public const int DefaultMaxJsonBytes = 64 * 1024;

    /// <summary>
    /// Reads a JSON object body into <typeparamref name="T"/>. 413 past <paramref name="maxBytes"/>,
    /// 400 "not valid JSON" for a malformed document, 400 with a field error for a value of the
    /// wrong type (named by its JSON path), 400 for an empty body or <c>null</c>.
    /// </summary>
    public static async Task<T> ReadJsonAsync<T>(HttpRequest request, CancellationToken ct, int maxBytes = DefaultMaxJsonBytes)
        where T : class
    {
        var bytes = await ReadBytesAsync(request, maxBytes, ct);
        if (bytes.IsEmpty)
        {
            throw Missing();
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes);
        }
        catch (JsonException e)
        {
            throw new ProblemException(HttpStatusCode.BadRequest, "The body is not valid JSON",
                $"The JSON could not be read: malformed JSON (line {e.LineNumber + 1}, byte {e.BytePositionInLine + 1}).");
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw Missing();
            }

            try
            {
                return document.RootElement.Deserialize<T>(JsonDefaults.Web) ?? throw Missing();
            }
            catch (JsonException e)
            {
                // The document is well-formed, so this is a value of the wrong type. The message of a
                // JsonException may quote the value; only its path is returned (and nothing is logged).
                var field = FieldName(e.Path);
                throw ProblemException.Validation($"{field} has the wrong type.",
                    new Dictionary<string, string[]> { [field] = ["has the wrong type for this field (see the API reference)"] });
            }
        }
    }

    /// <summary>
    /// Reads the whole body, at most <paramref name="maxBytes"/> (a 413 beyond): a chunked body
    /// without <c>Content-Length</c> cannot exhaust memory.
    /// </summary>
    public static async Task<ReadOnlyMemory<byte>> ReadBytesAsync(HttpRequest request, int maxBytes, CancellationToken ct)
    {
        if (request.ContentLength > maxBytes)
        {
            throw TooLarge(maxBytes);
        }

        var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > maxBytes)
            {
                throw TooLarge(maxBytes);
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }

    /// <summary>The 413 of a body over its cap.</summary>
    public static ProblemException TooLarge(long maxBytes, string? hint = null) =>
        new(HttpStatusCode.RequestEntityTooLarge, "Payload too large",
            $"This endpoint accepts at most {maxBytes} bytes.{(hint is null ? "" : " " + hint)}");

    /// <summary>A read-only stream over <paramref name="inner"/> that answers 413 past <paramref name="maxBytes"/>.</summary>
    public static Stream Limit(Stream inner, long maxBytes, string? hint = null) => new LimitedStream(inner, maxBytes, hint);

    private static ProblemException Missing() =>
        ProblemException.Validation("The request needs a JSON object body.", new Dictionary<string, string[]> { ["body"] = ["must be a JSON object"] });

    // "$.schedule.timeZone" → "schedule.timeZone"; "$" or none → "body".
    private static string FieldName(string? path) =>
        path is null || path == "$" ? "body" : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
}
