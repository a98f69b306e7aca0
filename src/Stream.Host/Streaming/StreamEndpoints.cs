using System.Globalization;
using System.Net;
using Impact.Shared.Http;
using Impact.Shared.Security;
using Impact.StreamHost.Security;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Impact.StreamHost.Streaming;

/// <summary><c>GET /v1/stream/updates</c> (the SSE stream) and <c>GET /v1/stream/stats</c>.</summary>
public static partial class StreamEndpoints
{
    private static readonly TimeSpan FeedStartTimeout = TimeSpan.FromSeconds(10);

    public static IEndpointRouteBuilder MapStreamEndpoints(this IEndpointRouteBuilder app)
    {
        var stream = app.MapGroup("/v1/stream");
        stream.MapGet("/updates", UpdatesAsync).RequireAuthorization();
        stream.MapGet("/stats", (StreamHub hub) => Results.Json(hub.Snapshot(), Impact.Shared.JsonDefaults.Web))
            .RequireAuthorization(StreamAuthentication.OperatorPolicy);
        return app;
    }

    private static async Task UpdatesAsync(HttpContext http, StreamHub hub, NpgsqlDataSource dataSource,
        IOptions<StreamOptions> streamOptions, IOptions<JwtOptions> jwtOptions, TimeProvider time, ILoggerFactory loggers)
    {
        var options = streamOptions.Value;
        var ct = http.RequestAborted;
        var companyClaim = jwtOptions.Value.CompanyClaim;
        var companyId = http.User.CompanyId(companyClaim)
            ?? throw new ProblemException(HttpStatusCode.Forbidden, "No company in the token",
                $"The access token has no '{companyClaim}' claim holding a company id, so there is no company stream to send.");
        // The bearer handler has checked the lifetime; the stream ends when it is over.
        var expires = http.User.FindFirst("exp")?.Value is { } exp && long.TryParse(exp, NumberStyles.None, CultureInfo.InvariantCulture, out var seconds)
            ? DateTimeOffset.FromUnixTimeSeconds(seconds)
            : throw new ProblemException(HttpStatusCode.Unauthorized, "Authentication required", "The access token has no expiry ('exp').");
        if (expires <= time.GetUtcNow())
        {
            // Inside the clock skew the bearer handler allows: a stream would end at once and the client
            // would reconnect in a loop, so say now that it needs a new token.
            throw new ProblemException(HttpStatusCode.Unauthorized, "Authentication required", "The access token has expired. Get a new token and reconnect.")
            { Headers = new Dictionary<string, string> { ["WWW-Authenticate"] = "Bearer error=\"invalid_token\"" } };
        }

        var resume = ResumePoint(http.Request);

        // One pooled connection for the checks and the start of the stream, returned before streaming.
        var conn = await dataSource.OpenConnectionAsync(ct);
        try
        {
            switch (await EventQueries.StreamingEnabledAsync(conn, companyId, ct))
            {
                case null:
                    throw new ProblemException(HttpStatusCode.Forbidden, "Unknown company",
                        $"Company {companyId} from the access token is not known to this service.");
                case false:
                    throw new ProblemException(HttpStatusCode.Forbidden, "Streaming is switched off",
                        $"Change notifications are switched off for company {companyId}. An administrator can switch them on again; until then, poll the API instead.");
            }

            try
            {
                await hub.Started.WaitAsync(FeedStartTimeout, ct);
            }
            catch (TimeoutException)
            {
                throw new ProblemException(HttpStatusCode.ServiceUnavailable, "The event feed is not connected",
                    "This instance cannot reach the event store yet. Try again shortly.")
                { Headers = new Dictionary<string, string> { ["Retry-After"] = "5" } };
            }

            using var subscription = hub.Subscribe(companyId, out var live);
            var logger = loggers.CreateLogger(typeof(StreamEndpoints));
            Log.Connected(logger, companyId, resume.Kind);
            try
            {
                var sentUpTo = await StartAsync(http, conn, subscription, live, resume, options, time, ct);
                await conn.DisposeAsync();
                if (await PumpAsync(http.Response, subscription, sentUpTo, options.Heartbeat, expires, time, ct))
                {
                    Log.Expired(logger, companyId);
                }
            }
            catch (Exception e) when (e is OperationCanceledException or IOException && ct.IsCancellationRequested)
            {
                // The client went away: the subscription is removed on the way out.
            }

            Log.Disconnected(logger, companyId);
        }
        finally
        {
            await conn.DisposeAsync(); // a second dispose is a no-op
        }
    }

    /// <summary>Writes the headers, the retry hint and whatever comes before the live position; returns what has been sent.</summary>
    private static async Task<EventPosition> StartAsync(HttpContext http, NpgsqlConnection conn, ClientSubscription subscription,
        EventPosition live, Resume resume, StreamOptions options, TimeProvider time, CancellationToken ct)
    {
        var response = http.Response;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache, no-transform";
        response.Headers["X-Accel-Buffering"] = "no"; // nginx and friends: do not buffer the stream
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

        // Everything up to `live` comes from the table, everything after it through the buffer.
        var sentUpTo = live;
        var cutoff = time.GetUtcNow() - options.ReplayWindow;
        switch (resume)
        {
            case { After: { } after }:
                await response.Body.WriteAsync(SseFrames.Hello(options.RetryMilliseconds, anchorId: null), ct);
                var point = await EventQueries.ResumePointAsync(conn, subscription.CompanyId, after, cutoff, ct);
                if (point is not { InWindow: true } resumed)
                {
                    await response.Body.WriteAsync(SseFrames.Reset(SseFrames.Id(after), await AnchorAsync(conn, subscription.CompanyId, live, ct), options.ReplayWindow), ct);
                }
                else if (resumed.Position < live)
                {
                    await CatchUpAsync(response, conn, subscription, resumed.Position, live, since: null, ct);
                }
                else
                {
                    // Resuming from a point this instance has not published yet (another instance was ahead).
                    sentUpTo = resumed.Position;
                }

                break;
            case { Earliest: true }:
                // Like Mercure's "earliest": every event of the company in the replay window, then live ones.
                await response.Body.WriteAsync(SseFrames.Hello(options.RetryMilliseconds, anchorId: null), ct);
                await CatchUpAsync(response, conn, subscription, default, live, since: cutoff, ct);
                break;
            default:
                await response.Body.WriteAsync(SseFrames.Hello(options.RetryMilliseconds, await AnchorAsync(conn, subscription.CompanyId, live, ct)), ct);
                break;
        }

        await response.Body.FlushAsync(ct);
        return sentUpTo;
    }

    // Resuming after the company's newest event before `live` replays nothing; with none stored, "earliest" is the same.
    private static async Task<string> AnchorAsync(NpgsqlConnection conn, Guid companyId, EventPosition live, CancellationToken ct) =>
        await EventQueries.CompanyAnchorAsync(conn, companyId, live, ct) is { } id ? SseFrames.Id(id) : SseFrames.Earliest;

    private static async Task CatchUpAsync(HttpResponse response, NpgsqlConnection conn, ClientSubscription subscription,
        EventPosition after, EventPosition upTo, DateTimeOffset? since, CancellationToken ct)
    {
        List<EventRow> page;
        do
        {
            page = await EventQueries.CompanyPageAsync(conn, subscription.CompanyId, after, upTo, since, ct);
            foreach (var row in page)
            {
                await response.Body.WriteAsync(SseFrames.Event(row).Frame, ct);
                subscription.CountSent();
            }

            if (page.Count > 0)
            {
                after = page[^1].Position;
                await response.Body.FlushAsync(ct);
            }
        }
        while (page.Count == EventQueries.PageSize);
    }

    /// <summary>
    /// Sends what the feed hands over, a gap notice after drops, and a heartbeat when idle, until the token
    /// <paramref name="expires"/> (then an <c>expired</c> event, and true) or the stream is closed.
    /// </summary>
    private static async Task<bool> PumpAsync(HttpResponse response, ClientSubscription subscription, EventPosition sentUpTo,
        TimeSpan heartbeat, DateTimeOffset expires, TimeProvider time, CancellationToken ct)
    {
        var reader = subscription.Reader;
        Task<bool>? waiting = null;
        while (!ct.IsCancellationRequested)
        {
            var wrote = false;
            while (reader.TryRead(out var e))
            {
                if (subscription.TakeDropped() is > 0 and var dropped)
                {
                    await response.Body.WriteAsync(SseFrames.Gap(dropped), ct);
                }

                if (e.Position <= sentUpTo)
                {
                    continue;
                }

                await response.Body.WriteAsync(e.Frame, ct);
                subscription.CountSent();
                sentUpTo = e.Position;
                wrote = true;
            }

            if (wrote)
            {
                await response.Body.FlushAsync(ct);
            }

            var left = expires - time.GetUtcNow();
            if (left <= TimeSpan.Zero)
            {
                await response.Body.WriteAsync(SseFrames.Expired, ct);
                await response.Body.FlushAsync(ct);
                return true;
            }

            // One pending wait is kept across heartbeats, so idle clients do not pile up waiters.
            waiting ??= reader.WaitToReadAsync(ct).AsTask();
            var idle = left < heartbeat ? left : heartbeat;
            if (await Task.WhenAny(waiting, Task.Delay(idle, time, ct)) == waiting)
            {
                if (!await waiting)
                {
                    return false;
                }

                waiting = null;
            }
            else if (idle == heartbeat)
            {
                await response.Body.WriteAsync(SseFrames.Heartbeat, ct);
                await response.Body.FlushAsync(ct);
            }
        }

        return false;
    }

    /// <summary>Where the client resumes: nowhere (only new events), after one of its events, or the whole window.</summary>
    private readonly record struct Resume(Guid? After, bool Earliest)
    {
        public string Kind => Earliest ? SseFrames.Earliest : After is { } id ? SseFrames.Id(id) : "none";
    }

    private static Resume ResumePoint(HttpRequest request)
    {
        var (source, value) = request.Headers.TryGetValue("Last-Event-ID", out var header) && !string.IsNullOrWhiteSpace(header)
            ? ("Last-Event-ID header", header.ToString())
            : request.Query.TryGetValue("lastEventId", out var query) && !string.IsNullOrWhiteSpace(query)
                ? ("lastEventId query parameter", query.ToString())
                : (null, null);
        if (source is null || value is null)
        {
            return default;
        }

        var field = source.Split(' ')[0];
        if (value.Any(char.IsControl))
        {
            // A NUL (or any control character) is never part of an id this stream sent.
            throw ProblemException.Validation($"The {source} must not contain control characters.",
                new Dictionary<string, string[]> { [field] = ["must not contain control characters"] });
        }

        if (value == SseFrames.Earliest)
        {
            return new Resume(null, Earliest: true);
        }

        return Guid.TryParseExact(value, "D", out var id)
            ? new Resume(id, Earliest: false)
            : throw ProblemException.Validation(
                $"The {source} must be the id of an event this stream sent (a UUID such as 0b5e7f9c-3d2a-4c1b-9e8f-7a6b5c4d3e2f), or '{SseFrames.Earliest}' to replay the replay window.",
                new Dictionary<string, string[]> { [field] = [$"must be an event id (UUID) or '{SseFrames.Earliest}'"] });
    }

    private static partial class Log
    {
        [LoggerMessage(20, LogLevel.Debug, "Stream client connected for company {CompanyId} (resume: {Resume})")]
        public static partial void Connected(ILogger logger, Guid companyId, string resume);

        [LoggerMessage(21, LogLevel.Debug, "Stream client for company {CompanyId} disconnected")]
        public static partial void Disconnected(ILogger logger, Guid companyId);

        [LoggerMessage(22, LogLevel.Debug, "Stream of company {CompanyId} ended: its access token expired")]
        public static partial void Expired(ILogger logger, Guid companyId);
    }
}
