using System.Threading.Channels;
using Impact.Shared.Telemetry;
using Microsoft.Extensions.Options;

namespace Impact.StreamHost.Streaming;

/// <summary>
/// Hands each event the feed publishes to the connected clients of its company. Publishing
/// never waits: every client has its own bounded buffer that drops its oldest event when full,
/// so a slow client never slows the feed or the other clients.
/// </summary>
public sealed class StreamHub(IOptions<StreamOptions> options)
{
    private readonly Lock gate = new();
    private readonly Dictionary<Guid, List<ClientSubscription>> clients = [];
    private readonly TaskCompletionSource started = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private EventPosition published;
    private long eventsSent;
    private long eventsDropped;
    private long feedReconnects;
    private volatile bool feedConnected;

    /// <summary>Completes once the feed knows where the stream starts.</summary>
    public Task Started => started.Task;

    public bool FeedConnected => feedConnected;

    /// <summary>Everything up to here has been handed to the subscribers; nothing after it.</summary>
    public EventPosition Published
    {
        get
        {
            lock (gate)
            {
                return published;
            }
        }
    }

    public void Start(EventPosition position)
    {
        lock (gate)
        {
            published = position;
        }

        started.TrySetResult();
    }

    public void SetFeedConnected(bool connected, bool reconnect = false)
    {
        feedConnected = connected;
        if (reconnect)
        {
            Interlocked.Increment(ref feedReconnects);
        }
    }

    /// <summary>
    /// Adds a client. <paramref name="from"/> is the published position at that instant: the
    /// client receives every later event through its buffer and reads earlier ones from the table.
    /// </summary>
    public ClientSubscription Subscribe(Guid companyId, out EventPosition from)
    {
        var subscription = new ClientSubscription(this, companyId, options.Value.ClientBufferSize);
        lock (gate)
        {
            if (!clients.TryGetValue(companyId, out var list))
            {
                clients[companyId] = list = [];
            }

            list.Add(subscription);
            from = published;
        }

        ImpactTelemetry.SseConnections.Add(1);

        return subscription;
    }

    internal void Unsubscribe(ClientSubscription subscription)
    {
        lock (gate)
        {
            if (clients.TryGetValue(subscription.CompanyId, out var list) && list.Remove(subscription) && list.Count == 0)
            {
                clients.Remove(subscription.CompanyId);
            }
        }
    }

    /// <summary>Hands a page of events (in stream order) to their companies' clients; <paramref name="upTo"/> becomes the published position.</summary>
    public void Publish(IReadOnlyList<StreamEvent> events, EventPosition upTo)
    {
        lock (gate)
        {
            foreach (var e in events)
            {
                if (clients.TryGetValue(e.CompanyId, out var list))
                {
                    foreach (var client in list)
                    {
                        client.Offer(e);
                    }
                }
            }

            published = upTo;
        }
    }

    /// <summary>The companies that have at least one client connected here.</summary>
    public IReadOnlyList<Guid> ConnectedCompanies()
    {
        lock (gate)
        {
            return [.. clients.Keys];
        }
    }

    /// <summary>Ends every stream of the company (its clients' responses complete); returns how many.</summary>
    public int Close(Guid companyId)
    {
        lock (gate)
        {
            if (!clients.Remove(companyId, out var list))
            {
                return 0;
            }

            foreach (var client in list)
            {
                client.Complete();
            }

            return list.Count;
        }
    }

    internal void CountSent() => Interlocked.Increment(ref eventsSent);

    internal void CountDropped() => Interlocked.Increment(ref eventsDropped);

    public StreamStatsSnapshot Snapshot()
    {
        lock (gate)
        {
            var companies = clients
                .Select(kv => new CompanyConnections(kv.Key, kv.Value.Count))
                .OrderByDescending(c => c.Connections).ThenBy(c => c.CompanyId)
                .ToList();
            return new StreamStatsSnapshot(
                companies.Sum(c => c.Connections),
                companies,
                Interlocked.Read(ref eventsSent),
                Interlocked.Read(ref eventsDropped),
                new FeedState(feedConnected, Interlocked.Read(ref feedReconnects), published.Id == long.MaxValue ? null : published.Id));
        }
    }
}

/// <summary>One connected client: its company and its bounded buffer.</summary>
public sealed class ClientSubscription : IDisposable
{
    private readonly StreamHub hub;
    private readonly Channel<StreamEvent> buffer;
    private long dropped;
    private int disposed;

    internal ClientSubscription(StreamHub hub, Guid companyId, int capacity)
    {
        this.hub = hub;
        CompanyId = companyId;
        buffer = Channel.CreateBounded<StreamEvent>(
            new BoundedChannelOptions(capacity)
            {
                FullMode = BoundedChannelFullMode.DropOldest,
                SingleReader = true,
                SingleWriter = true, // the hub publishes under its lock
            },
            _ =>
            {
                Interlocked.Increment(ref dropped);
                hub.CountDropped();
            });
    }

    public Guid CompanyId { get; }

    public ChannelReader<StreamEvent> Reader => buffer.Reader;

    internal void Offer(StreamEvent e) => buffer.Writer.TryWrite(e);

    /// <summary>How many events were dropped since the last call.</summary>
    public long TakeDropped() => Interlocked.Exchange(ref dropped, 0);

    public void CountSent() => hub.CountSent();

    /// <summary>No more events: the client's stream ends once it has sent what is buffered.</summary>
    internal void Complete() => buffer.Writer.TryComplete();

    public void Dispose()
    {
        if (Interlocked.Exchange(ref disposed, 1) == 0)
        {
            ImpactTelemetry.SseConnections.Add(-1);
        }

        hub.Unsubscribe(this);
        buffer.Writer.TryComplete();
    }
}

public sealed record CompanyConnections(Guid CompanyId, int Connections);

public sealed record FeedState(bool Connected, long Reconnects, long? LastEventId);

/// <summary>The body of <c>GET /v1/stream/stats</c>.</summary>
public sealed record StreamStatsSnapshot(int Connections, IReadOnlyList<CompanyConnections> Companies,
    long EventsSent, long EventsDropped, FeedState Feed);
