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

    /// <summary>
    /// Paid Q2Q provider calls made (SPEC §I), counted when their reservation is settled or released in
    /// <c>impact.q2q_spend</c>; tags <c>provider</c>, <c>model</c> (the registry id), <c>company</c>. The embedded classifier is free and not counted.
    /// </summary>
    public static readonly Counter<long> Q2QRequests = Meter.CreateCounter<long>(
        "q2q_requests_total", "{request}", "Paid Q2Q classification calls sent to an LLM provider");

    /// <summary>Tokens of those calls as the provider reported them; tags <c>provider</c>, <c>model</c>, <c>company</c>, <c>type</c> (<c>input</c>, <c>output</c>).</summary>
    public static readonly Counter<long> Q2QTokens = Meter.CreateCounter<long>(
        "q2q_tokens_total", "{token}", "Tokens of paid Q2Q calls, as the provider reported them");

    /// <summary>Their cost in USD at the model's prices (what <c>q2q_spend.spent_usd</c> adds up); tags <c>provider</c>, <c>model</c>, <c>company</c>.</summary>
    public static readonly Counter<double> Q2QCostDollars = Meter.CreateCounter<double>(
        "q2q_cost_dollars_total", "{USD}", "Cost of paid Q2Q calls in US dollars");

    /// <summary>Open SSE streams (the SSE host); tag none.</summary>
    public static readonly UpDownCounter<long> SseConnections = Meter.CreateUpDownCounter<long>(
        "impact_sse_connections", "{connection}", "Open Server-Sent Events streams");
}
