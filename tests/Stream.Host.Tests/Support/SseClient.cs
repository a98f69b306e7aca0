using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace Impact.StreamHost.Tests.Support;

/// <summary>One message of a text/event-stream: an event, an id-only frame, or a comment (heartbeat).</summary>
public sealed record SseMessage(string? Event, string? Id, string? Data, int? Retry, string? Comment)
{
    /// <summary>Maps an event id (a UUID on the wire) to its <c>impact.events</c> row; asked only when a test reads <see cref="EventId"/>, so reading stays fast.</summary>
    public Func<Guid, long?>? RowOf { get; init; }

    /// <summary>The events-table id of this message's event, for comparing with what the test wrote.</summary>
    public long EventId => (Guid.TryParse(Id, out var id) ? RowOf?.Invoke(id) : null)
        ?? throw new InvalidOperationException($"id '{Id}' names no stored event");

    public JsonElement Json => JsonDocument.Parse(Data!).RootElement;

    public bool IsEvent => Data is not null;
}

/// <summary>Reads an SSE response the way a browser's EventSource parses it.</summary>
public sealed class SseClient : IAsyncDisposable
{
    private readonly HttpResponseMessage response;
    private readonly StreamReader reader;
    private readonly Func<Guid, long?>? rowOf;

    private SseClient(HttpResponseMessage response, Stream body, Func<Guid, long?>? rowOf)
    {
        this.response = response;
        this.rowOf = rowOf;
        reader = new StreamReader(body, Encoding.UTF8);
    }

    public HttpResponseMessage Response => response;

    /// <summary>
    /// Opens the stream. <paramref name="rowOf"/> maps an event id of the stream to its events-table row
    /// (<see cref="SseMessage.EventId"/>), as the test host does with the test database.
    /// </summary>
    public static async Task<SseClient> ConnectAsync(HttpClient http, Guid companyId, string token, string? lastEventId = null, bool viaQuery = false,
        Func<Guid, long?>? rowOf = null)
    {
        var path = "/v1/stream/updates";
        var request = new HttpRequestMessage(HttpMethod.Get, viaQuery
            ? $"{path}?access_token={Uri.EscapeDataString(token)}" + (lastEventId is { } q ? $"&lastEventId={Uri.EscapeDataString(q)}" : "")
            : path);
        if (!viaQuery)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
            if (lastEventId is { } id)
            {
                request.Headers.Add("Last-Event-ID", id);
            }
        }

        request.Headers.Accept.ParseAdd("text/event-stream");
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync();
            throw new InvalidOperationException($"stream for {companyId} refused: {(int)response.StatusCode} {body}");
        }

        return new SseClient(response, await response.Content.ReadAsStreamAsync(), rowOf);
    }

    /// <summary>The next message of any kind.</summary>
    public async Task<SseMessage> NextMessageAsync(TimeSpan? timeout = null)
    {
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(20));
        string? ev = null, id = null, comment = null;
        int? retry = null;
        StringBuilder? data = null;
        var any = false;
        while (true)
        {
            var line = await reader.ReadLineAsync(cts.Token) ?? throw new EndOfStreamException("the server closed the stream");
            if (line.Length == 0)
            {
                if (any)
                {
                    return new SseMessage(ev, id, data?.ToString(), retry, comment) { RowOf = rowOf };
                }

                continue;
            }

            any = true;
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            var field = colon < 0 ? line : line[..colon];
            var value = colon < 0 ? "" : line[(colon + 1)..].TrimStart(' ');
            switch (field)
            {
                case "":
                    comment = value;
                    break;
                case "event":
                    ev = value;
                    break;
                case "id":
                    id = value;
                    break;
                case "retry":
                    retry = int.Parse(value, CultureInfo.InvariantCulture);
                    break;
                case "data":
                    data = data is null ? new StringBuilder(value) : data.Append('\n').Append(value);
                    break;
            }
        }
    }

    /// <summary>The next message that carries data (skips heartbeats and id-only frames).</summary>
    public async Task<SseMessage> NextEventAsync(TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var left = deadline - DateTime.UtcNow;
            var message = await NextMessageAsync(left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1));
            if (message.IsEvent)
            {
                return message;
            }
        }
    }

    public async Task<List<SseMessage>> EventsAsync(int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        var events = new List<SseMessage>(count);
        while (events.Count < count)
        {
            var left = deadline - DateTime.UtcNow;
            var message = await NextEventAsync(left > TimeSpan.Zero ? left : TimeSpan.FromMilliseconds(1));
            if (message.Event == "gap")
            {
                // Otherwise the wait for the dropped events would only end at the deadline, as a bare timeout.
                throw new InvalidOperationException(
                    $"The host dropped events for this client after {events.Count} of {count} (gap: {message.Data}): "
                    + "it read slower than the feed published; start the host with a Stream:ClientBufferSize that holds what the test writes.");
            }

            events.Add(message);
        }

        return events;
    }

    public ValueTask DisposeAsync()
    {
        reader.Dispose();
        response.Dispose();
        return ValueTask.CompletedTask;
    }
}
