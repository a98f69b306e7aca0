using System.Net;
using System.Security.Cryptography;
using System.Text;
using Impact.Shared.Http;
using Impact.Shared.Idempotency;
using Impact.Shared.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Logging;

namespace Impact.Ingest.Http;

/// <summary>
/// <c>Idempotency-Key</c> for the functions marked <see cref="IdempotentAttribute"/>: the key is claimed for the
/// caller (company + principal) before the function runs; the function's answer is stored with a SHA-256 of the
/// request (method, path and query, body) and given again to a retry with the same key and request for 24 h.
/// The same key with another request is a 422, a retry while the first request still runs a 409, a malformed key
/// a 400. A request that fails (an exception or a 5xx) frees its key, so a retry runs again.
/// </summary>
public sealed partial class IdempotentRequests(IdempotencyKeys keys, ILogger<IdempotentRequests> logger)
{
    /// <summary>The request header.</summary>
    public const string HeaderName = "Idempotency-Key";

    /// <summary>Set on an answer that is a stored one given again.</summary>
    public const string ReplayedHeader = "Idempotent-Replayed";

    /// <summary>The longest key accepted.</summary>
    public const int MaxKeyLength = 255;

    // Headers of the first answer that a replay gives again; the rest (Date, Content-Length) are the transport's.
    private static readonly HashSet<string> SkippedHeaders = new(StringComparer.OrdinalIgnoreCase) { "Content-Length", "Date", "Set-Cookie", "Transfer-Encoding" };

    /// <summary>Runs <paramref name="function"/> under the request's key when <paramref name="policy"/> is idempotent and one is sent.</summary>
    public async Task<IActionResult> RunAsync(HttpContext http, FunctionPolicy policy, Func<Task<IActionResult>> function)
    {
        if (!policy.Idempotent || !http.Request.Headers.TryGetValue(HeaderName, out var values))
        {
            return await function();
        }

        var ct = http.RequestAborted;
        var caller = http.Request.Caller();
        var request = new IdempotencyRequest(caller.CompanyId, caller.Principal, ParseKey(values), http.Request.Method.ToUpperInvariant(),
            policy.Route, http.Request.Path.Value + http.Request.QueryString.Value);
        var claim = await keys.ClaimAsync(request, ct);

        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        hash.AppendData(Encoding.UTF8.GetBytes($"{request.Method} {request.Target}\n"));
        var body = new HashingReadStream(http.Request.Body, hash);
        if (!claim.Claimed)
        {
            await body.FinishAsync(ct);
            return Replay(claim, Convert.ToHexStringLower(hash.GetHashAndReset()), request);
        }

        StoredResponse response;
        try
        {
            http.Request.Body = body;
            response = await CaptureAsync(http, await function());
            await body.FinishAsync(ct);
        }
        catch
        {
            await keys.ReleaseAsync(claim.Id, CancellationToken.None);
            throw;
        }

        if (response.Status >= 500)
        {
            await keys.ReleaseAsync(claim.Id, CancellationToken.None);
            return new StoredResult(response, replayed: false);
        }

        try
        {
            await keys.CompleteAsync(claim.Id, Convert.ToHexStringLower(hash.GetHashAndReset()), response, CancellationToken.None);
        }
        catch (Exception e) when (ProblemMapping.IsTransientDatabaseError(e))
        {
            // The change is made; the caller gets its answer. A retry within the in-flight time-out gets 409.
            LogNotStored(logger, policy.Name, e.GetType().Name);
        }

        return new StoredResult(response, replayed: false);
    }

    /// <summary>The key of the header, or a 400 problem: one value of 1–255 printable ASCII characters (quotes around it are dropped).</summary>
    public static string ParseKey(Microsoft.Extensions.Primitives.StringValues values)
    {
        if (values.Count != 1)
        {
            throw new ProblemException(HttpStatusCode.BadRequest, "Invalid Idempotency-Key", "Send one Idempotency-Key header with one value.");
        }

        var key = values[0] ?? "";
        // RFC 8941 string form ("...") as in the IETF draft, or the bare key most clients send.
        if (key.Length >= 2 && key[0] == '"' && key[^1] == '"')
        {
            key = key[1..^1];
        }

        if (key.Length is 0 or > MaxKeyLength || key.Any(c => c is < ' ' or > '~') || string.IsNullOrWhiteSpace(key))
        {
            throw new ProblemException(HttpStatusCode.BadRequest, "Invalid Idempotency-Key",
                $"An Idempotency-Key is 1–{MaxKeyLength} printable ASCII characters (a UUID, say); this one is "
                + (key.Length > MaxKeyLength ? $"{key.Length} characters long." : key.Length == 0 || string.IsNullOrWhiteSpace(key) ? "empty." : "not printable ASCII."));
        }

        return key;
    }

    private IActionResult Replay(IdempotencyClaim claim, string requestHash, IdempotencyRequest request)
    {
        if (claim.Response is null)
        {
            throw new ProblemException(HttpStatusCode.Conflict, "Request in progress",
                "A request with this Idempotency-Key is still being processed. Retry once it has answered to get its answer.")
            {
                Headers = new Dictionary<string, string> { ["Retry-After"] = "1" },
            };
        }

        if (!string.Equals(claim.RequestHash, requestHash, StringComparison.Ordinal))
        {
            throw new ProblemException(HttpStatusCode.UnprocessableEntity, "Idempotency-Key reused",
                $"This Idempotency-Key was already used for a different request (another body, path or query than this {request.Method} {request.Target}). "
                + "Use a new key for a new request.");
        }

        LogReplayed(logger, request.Method, request.Route, claim.Response.Status);
        return new StoredResult(claim.Response, replayed: true);
    }

    // The function's result written to a scratch response, so its status, headers and bytes can be stored and
    // the same bytes sent now and on every replay.
    private static async Task<StoredResponse> CaptureAsync(HttpContext http, IActionResult result)
    {
        var scratch = new DefaultHttpContext { RequestServices = http.RequestServices };
        await using var buffer = new MemoryStream();
        scratch.Response.Body = buffer;
        await result.ExecuteResultAsync(new ActionContext { HttpContext = scratch });
        var headers = scratch.Response.Headers
            .Where(h => !SkippedHeaders.Contains(h.Key))
            .ToDictionary(h => h.Key, h => h.Value.ToString(), StringComparer.OrdinalIgnoreCase);
        return new StoredResponse(scratch.Response.StatusCode, headers, buffer.ToArray());
    }

    private sealed class StoredResult(StoredResponse response, bool replayed) : IActionResult
    {
        public async Task ExecuteResultAsync(ActionContext context)
        {
            var http = context.HttpContext.Response;
            http.StatusCode = response.Status;
            foreach (var (name, value) in response.Headers)
            {
                http.Headers[name] = value;
            }

            if (replayed)
            {
                http.Headers[ReplayedHeader] = "true";
            }

            if (response.Body.Length > 0)
            {
                http.ContentLength = response.Body.Length;
                await http.Body.WriteAsync(response.Body, context.HttpContext.RequestAborted);
            }
        }
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Idempotency-Key replay of {Method} {Route}: the stored {Status} answer")]
    private static partial void LogReplayed(ILogger logger, string method, string route, int status);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Function {Function} answered, but its Idempotency-Key answer could not be stored ({Kind})")]
    private static partial void LogNotStored(ILogger logger, string function, string kind);
}
