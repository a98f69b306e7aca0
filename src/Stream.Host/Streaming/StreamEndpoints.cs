using System.Globalization;
using System.Net;
using Impact.Shared.Http;
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
        IOptions<StreamOptions> streamOptions, TimeProvider time, ILoggerFactory loggers)
    {
        var options = streamOptions.Value;
        var ct = http.RequestAborted;
        var companyId = http.User.CompanyId(options.CompanyClaim)
            ?? throw new ProblemException(HttpStatusCode.Forbidden, "No company in the token",
                $"The access token has no '{options.CompanyClaim}' claim holding a company id, so there is no company stream to send.");
        var resumeAfter = ResumeId(http.Request);

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
            Log.Connected(logger, companyId, resumeAfter);
            try
            {
                var sentUpTo = await StartAsync(http, conn, subscription, live, resumeAfter, options, time, ct);
                await conn.DisposeAsync();
                await PumpAsync(http.Response, subscription, sentUpTo, options.Heartbeat, ct);
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
        EventPosition live, long? resumeAfter, StreamOptions options, TimeProvider time, CancellationToken ct)
    {
        var response = http.Response;
        response.ContentType = "text/event-stream; charset=utf-8";
        response.Headers.CacheControl = "no-cache, no-transform";
        response.Headers["X-Accel-Buffering"] = "no"; // nginx and friends: do not buffer the stream
        http.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

        // Everything up to `live` comes from the table, everything after it through the buffer.
        var sentUpTo = live;
        if (resumeAfter is not { } after)
        {
            await response.Body.WriteAsync(SseFrames.Hello(options.RetryMilliseconds, await EventQueries.AnchorAsync(conn, live, ct)), ct);
        }
        else
        {
            await response.Body.WriteAsync(SseFrames.Hello(options.RetryMilliseconds, anchorId: null), ct);
            var point = await EventQueries.ResumePointAsync(conn, after, time.GetUtcNow() - options.ReplayWindow, ct);
            if (point is not { InWindow: true } resume)
            {
                await response.Body.WriteAsync(SseFrames.Reset(after, await EventQueries.AnchorAsync(conn, live, ct), options.ReplayWindow), ct);
            }
            else if (resume.Position < live)
            {
                await CatchUpAsync(response, conn, subscription, resume.Position, live, ct);
            }
            else
            {
                // Resuming from a point this instance has not published yet (another instance was ahead).
                sentUpTo = resume.Position;
            }
        }

        await response.Body.FlushAsync(ct);
        return sentUpTo;
    }

    private static async Task CatchUpAsync(HttpResponse response, NpgsqlConnection conn, ClientSubscription subscription,
        EventPosition after, EventPosition upTo, CancellationToken ct)
    {
        List<EventRow> page;
        do
        {
            page = await EventQueries.CompanyPageAsync(conn, subscription.CompanyId, after, upTo, ct);
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

    /// <summary>Sends what the feed hands over, a gap notice after drops, and a heartbeat when idle.</summary>
    private static async Task PumpAsync(HttpResponse response, ClientSubscription subscription, EventPosition sentUpTo,
        TimeSpan heartbeat, CancellationToken ct)
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

            // One pending wait is kept across heartbeats, so idle clients do not pile up waiters.
            waiting ??= reader.WaitToReadAsync(ct).AsTask();
            if (await Task.WhenAny(waiting, Task.Delay(heartbeat, ct)) == waiting)
            {
                if (!await waiting)
                {
                    return;
                }

                waiting = null;
            }
            else
            {
                await response.Body.WriteAsync(SseFrames.Heartbeat, ct);
                await response.Body.FlushAsync(ct);
            }
        }
    }

    private static long? ResumeId(HttpRequest request)
    {
        var (source, value) = request.Headers.TryGetValue("Last-Event-ID", out var header) && !string.IsNullOrWhiteSpace(header)
            ? ("Last-Event-ID header", header.ToString())
            : request.Query.TryGetValue("lastEventId", out var query) && !string.IsNullOrWhiteSpace(query)
                ? ("lastEventId query parameter", query.ToString())
                : (null, null);
        if (source is null)
        {
            return null;
        }

        return long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var id)
            ? id
            : throw ProblemException.Validation($"The {source} must be the id of an event this stream sent (a whole number).",
                new Dictionary<string, string[]> { [source.Split(' ')[0]] = ["must be a whole number"] });
    }

    private static partial class Log
    {
        [LoggerMessage(20, LogLevel.Debug, "Stream client connected for company {CompanyId} (resume after {ResumeAfter})")]
        public static partial void Connected(ILogger logger, Guid companyId, long? resumeAfter);

        [LoggerMessage(21, LogLevel.Debug, "Stream client for company {CompanyId} disconnected")]
        public static partial void Disconnected(ILogger logger, Guid companyId);
    }
}
