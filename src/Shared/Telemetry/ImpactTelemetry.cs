using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Impact.Shared.Telemetry;

/// <summary>
/// The app's own spans (<see cref="Source"/>) and business metrics (<see cref="Meter"/>, SPEC §L), both named
/// <c>Impact</c>. Counters count what was written, at the point it was committed, so their totals equal the rows.
/// </summary>
public static class ImpactTelemetry
{
    /// <summary>The name of the activity source and of the meter.</summary>
    public const string Name = "Impact";

    /// <summary>Spans of webhook receipt and processing.</summary>
    public static readonly ActivitySource Source = new(Name);

    /// <summary>The business metrics' meter.</summary>
    public static readonly Meter Meter = new(Name);

    /// <summary>Partner deliveries stored as new (one per <c>webhook_deliveries</c> row); tags <c>source</c>, <c>kind</c>.</summary>
    public static readonly Counter<long> WebhooksReceived = Meter.CreateCounter<long>(
        "impact_webhooks_received_total", "{delivery}", "Partner webhook deliveries stored as new");

    /// <summary>Deliveries answered as duplicates (same id, same payload); tags <c>source</c>, <c>kind</c>.</summary>
    public static readonly Counter<long> WebhooksDuplicate = Meter.CreateCounter<long>(
        "impact_webhooks_duplicate_total", "{delivery}", "Partner webhook deliveries received again with the same id and payload");

    /// <summary>Deliveries processed into rows; tags <c>source</c>, <c>kind</c>.</summary>
    public static readonly Counter<long> WebhooksProcessed = Meter.CreateCounter<long>(
        "impact_webhooks_processed_total", "{delivery}", "Partner webhook deliveries processed");

    /// <summary>Deliveries marked dead-lettered after the queue gave up; tag <c>source</c>.</summary>
    public static readonly Counter<long> WebhooksDeadLettered = Meter.CreateCounter<long>(
        "impact_webhooks_dead_lettered_total", "{delivery}", "Partner webhook deliveries dead-lettered");

    /// <summary>Backfill rows loaded (committed); tag <c>kind</c>.</summary>
    public static readonly Counter<long> BackfillRowsImported = Meter.CreateCounter<long>(
        "impact_backfill_rows_imported_total", "{row}", "CSV backfill rows loaded");

    /// <summary>Backfill rows rejected to the error file (committed); tag <c>kind</c>.</summary>
    public static readonly Counter<long> BackfillRowsRejected = Meter.CreateCounter<long>(
        "impact_backfill_rows_rejected_total", "{row}", "CSV backfill rows rejected");

    /// <summary>Impact-In deliveries finished; tags <c>platform</c>, <c>status</c>.</summary>
    public static readonly Counter<long> ImpactInDeliveries = Meter.CreateCounter<long>(
        "impact_impactin_deliveries_total", "{delivery}", "Impact-In deliveries finished, by platform and status");

    /// <summary>Open SSE streams (the SSE host); tag none.</summary>
    public static readonly UpDownCounter<long> SseConnections = Meter.CreateUpDownCounter<long>(
        "impact_sse_connections", "{connection}", "Open Server-Sent Events streams");
}
