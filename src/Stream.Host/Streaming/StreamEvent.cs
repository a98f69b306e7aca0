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

/// <summary>The text/event-stream wire format.</summary>
public static class SseFrames
{
    /// <summary><c>id</c> = the events-table id, <c>event</c> = the type, <c>data</c> = the envelope JSON.</summary>
    public static StreamEvent Event(EventRow row)
    {
        var json = Encoding.UTF8.GetString(EventEnvelope.SerializeStored(row.EventId, row.Type, row.CompanyId, row.OccurredAt, row.CorrelationId, row.Data));
        var frame = $"id: {row.Id.ToString(CultureInfo.InvariantCulture)}\nevent: {SingleLine(row.Type)}\ndata: {json}\n\n";
        return new StreamEvent(row.Position, row.CompanyId ?? Guid.Empty, Encoding.UTF8.GetBytes(frame));
    }

    /// <summary>
    /// The first frame: the reconnect delay and, when known, an <c>id</c> with no data. A browser
    /// stores that id without firing an event, so a client that drops before its first event still
    /// resumes from where it joined instead of missing what happened in between.
    /// </summary>
    public static byte[] Hello(int retryMilliseconds, long? anchorId) => Encoding.UTF8.GetBytes(
        $"retry: {retryMilliseconds.ToString(CultureInfo.InvariantCulture)}\n" +
        (anchorId is { } id ? $"id: {id.ToString(CultureInfo.InvariantCulture)}\n" : "") + "\n");

    /// <summary>The resume point is outside the replay window: the client must refetch its state.</summary>
    public static byte[] Reset(long requested, long? anchorId, TimeSpan window) => Encoding.UTF8.GetBytes(
        (anchorId is { } id ? $"id: {id.ToString(CultureInfo.InvariantCulture)}\n" : "") +
        "event: reset\ndata: " + JsonSerializer.Serialize(new
        {
            lastEventId = requested,
            detail = $"Event {requested} is older than the {window.TotalHours.ToString(CultureInfo.InvariantCulture)} h replay window (or no longer stored). Refetch current state; the stream continues with new events.",
        }, JsonDefaults.Web) + "\n\n");

    /// <summary>The client's buffer overflowed and its oldest events were dropped. No id: a reconnect resumes before the gap.</summary>
    public static byte[] Gap(long dropped) => Encoding.UTF8.GetBytes(
        "event: gap\ndata: " + JsonSerializer.Serialize(new
        {
            dropped,
            detail = $"{dropped.ToString(CultureInfo.InvariantCulture)} event(s) were dropped because this client read too slowly. Refetch current state to catch up.",
        }, JsonDefaults.Web) + "\n\n");

    public static readonly byte[] Heartbeat = ": heartbeat\n\n"u8.ToArray();

    // An event type is an identifier, but a newline in it would break the frame.
    private static string SingleLine(string value) => value.ReplaceLineEndings(" ");
}
