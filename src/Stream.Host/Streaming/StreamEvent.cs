using System.Globalization;
using System.Text;
using System.Text.Json;
using Impact.Shared;
using Impact.Shared.Events;

namespace Impact.StreamHost.Streaming;

/// <summary>
/// A place in the event stream: rows are read in (transaction id, row id) order, which is the
/// order in which they become final (see migration 0040_event_stream.sql).
/// </summary>
public readonly record struct EventPosition(ulong Tx, long Id) : IComparable<EventPosition>
{
    public int CompareTo(EventPosition other) => Tx != other.Tx ? Tx.CompareTo(other.Tx) : Id.CompareTo(other.Id);

    public static bool operator >(EventPosition a, EventPosition b) => a.CompareTo(b) > 0;

    public static bool operator <(EventPosition a, EventPosition b) => a.CompareTo(b) < 0;

    public static bool operator >=(EventPosition a, EventPosition b) => a.CompareTo(b) >= 0;

    public static bool operator <=(EventPosition a, EventPosition b) => a.CompareTo(b) <= 0;

    /// <summary>The xid8 as text, the form SQL parameters take (<c>@tx::xid8</c>).</summary>
    public string TxText => Tx.ToString(CultureInfo.InvariantCulture);

    /// <summary>Just before every row written by transaction <paramref name="xmin"/> or later.</summary>
    public static EventPosition Before(ulong xmin) => new(xmin - 1, long.MaxValue);
}

/// <summary>One event ready to send: its SSE frame is encoded once and shared by every client of the company.</summary>
public sealed record StreamEvent(EventPosition Position, Guid CompanyId, ReadOnlyMemory<byte> Frame);

/// <summary>A row of <c>impact.events</c> as the stream reads it.</summary>
public sealed record EventRow
{
    public long Id { get; init; }
    public string Tx { get; init; } = "";
    public Guid EventId { get; init; }
    public Guid? CompanyId { get; init; }
    public string Type { get; init; } = "";
    public string? CorrelationId { get; init; }
    public string Data { get; init; } = "{}";
    public DateTime OccurredAt { get; init; }

    public EventPosition Position => new(ulong.Parse(Tx, CultureInfo.InvariantCulture), Id);
}

/// <summary>
/// Which events a company's cockpit stream carries: all of the company's events except privacy events
/// (<c>privacy.*</c>, e.g. an erasure), which are for the privacy officers' API, never for the employer's
/// cockpit — neither live nor on replay. The SQL of <see cref="EventQueries"/> applies the same rule.
/// </summary>
public static class CockpitEvents
{
    /// <summary>Event types starting with this never reach a stream.</summary>
    public const string HiddenTypePrefix = "privacy.";

    public static bool IsDelivered(EventRow row) => row.CompanyId is not null && !row.Type.StartsWith(HiddenTypePrefix, StringComparison.Ordinal);
}

/// <summary>The text/event-stream wire format.</summary>
public static class SseFrames
{
    /// <summary>What a client sends (or EventSource keeps in the URL) to replay the whole replay window.</summary>
    public const string Earliest = "earliest";

    /// <summary>
    /// <c>id</c> = the event's own id (the envelope's <c>id</c>, a random UUID: it says nothing about how
    /// many events anyone else produced), <c>event</c> = the type, <c>data</c> = the envelope JSON.
    /// </summary>
    public static StreamEvent Event(EventRow row)
    {
        var json = Encoding.UTF8.GetString(EventEnvelope.SerializeStored(row.EventId, row.Type, row.CompanyId, row.OccurredAt, row.CorrelationId, row.Data));
        var frame = $"id: {Id(row.EventId)}\nevent: {SingleLine(row.Type)}\ndata: {json}\n\n";
        return new StreamEvent(row.Position, row.CompanyId ?? Guid.Empty, Encoding.UTF8.GetBytes(frame));
    }

    /// <summary>
    /// The first frame: the reconnect delay and, when known, an <c>id</c> with no data. A browser
    /// stores that id without firing an event, so a client that drops before its first event still
    /// resumes from where it joined instead of missing what happened in between. The id is the
    /// company's newest event before the join, or <see cref="Earliest"/> when it has none stored.
    /// </summary>
    public static byte[] Hello(int retryMilliseconds, string? anchorId) => Encoding.UTF8.GetBytes(
        $"retry: {retryMilliseconds.ToString(CultureInfo.InvariantCulture)}\n" +
        (anchorId is { } id ? $"id: {id}\n" : "") + "\n");

    /// <summary>The resume point is outside the replay window: the client must refetch its state.</summary>
    public static byte[] Reset(string requested, string anchorId, TimeSpan window) => Encoding.UTF8.GetBytes(
        $"id: {anchorId}\n" +
        "event: reset\ndata: " + JsonSerializer.Serialize(new
        {
            lastEventId = requested,
            detail = $"Event {requested} is older than the {window.TotalHours.ToString(CultureInfo.InvariantCulture)} h replay window (or no longer stored). Refetch current state; the stream continues with new events.",
        }, JsonDefaults.Web) + "\n\n");

    /// <summary>The token's lifetime is over: the server ends the stream right after this. No id: the client resumes where it was.</summary>
    public static readonly byte[] Expired = Encoding.UTF8.GetBytes(
        "event: expired\ndata: " + JsonSerializer.Serialize(new
        {
            detail = "The access token has expired, so this stream ends. Reconnect with a new token and the last event id to carry on.",
        }, JsonDefaults.Web) + "\n\n");

    /// <summary>The client's buffer overflowed and its oldest events were dropped. No id: a reconnect resumes before the gap.</summary>
    public static byte[] Gap(long dropped) => Encoding.UTF8.GetBytes(
        "event: gap\ndata: " + JsonSerializer.Serialize(new
        {
            dropped,
            detail = $"{dropped.ToString(CultureInfo.InvariantCulture)} event(s) were dropped because this client read too slowly. Refetch current state to catch up.",
        }, JsonDefaults.Web) + "\n\n");

    /// <summary>An event id as it goes on the wire.</summary>
    public static string Id(Guid eventId) => eventId.ToString("D");

    public static readonly byte[] Heartbeat = ": heartbeat\n\n"u8.ToArray();

    // An event type is an identifier, but a newline in it would break the frame.
    private static string SingleLine(string value) => value.ReplaceLineEndings(" ");
}
