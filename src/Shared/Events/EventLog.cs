using System.Text.Json;
using Dapper;
using Npgsql;

namespace Impact.Shared.Events;

/// <summary>
/// The append-only <c>impact.events</c> table. Events are written in the caller's transaction,
/// so an event exists exactly when the change it describes was committed.
/// </summary>
public static class EventLog
{
    /// <summary>The NOTIFY channel: a doorbell only, listeners always read the table.</summary>
    public const string NotifyChannel = "impact_events";

    /// <summary>Appends one event and rings the doorbell (delivered at commit). Returns the event's table id.</summary>
    public static async Task<long> AppendAsync(NpgsqlConnection connection, NpgsqlTransaction transaction,
        string type, Guid? companyId, object data, string? correlationId = null, CancellationToken ct = default)
    {
        var json = JsonSerializer.Serialize(data, JsonDefaults.Web);
        return await connection.ExecuteScalarAsync<long>(new CommandDefinition(
            """
            INSERT INTO impact.events (company_id, type, correlation_id, data)
            VALUES (@companyId, @type, @correlationId, @json::jsonb)
            RETURNING id;
            SELECT pg_notify('impact_events', '');
            """,
            new { companyId, type, correlationId, json }, transaction, cancellationToken: ct));
    }
}

/// <summary>The event envelope as partners and the cockpit see it.</summary>
/// <param name="Id">The event's unique id.</param>
/// <param name="Type">The event type, e.g. <c>kintell.session.completed</c>.</param>
/// <param name="CompanyId">The company the event belongs to, when known.</param>
/// <param name="OccurredAt">When the change was committed.</param>
/// <param name="CorrelationId">The delivery or request that caused it.</param>
/// <param name="Data">The event's own fields.</param>
public sealed record EventEnvelope(Guid Id, string Type, Guid? CompanyId, DateTimeOffset OccurredAt,
    string? CorrelationId, JsonElement Data)
{
    /// <summary>The envelope JSON of a stored <c>impact.events</c> row (its <c>occurred_at</c> read as UTC, <c>data</c> as JSON text).</summary>
    public static byte[] SerializeStored(Guid eventId, string type, Guid? companyId, DateTime occurredAtUtc, string? correlationId, string dataJson)
    {
        using var data = JsonDocument.Parse(dataJson);
        var envelope = new EventEnvelope(eventId, type, companyId,
            new DateTimeOffset(DateTime.SpecifyKind(occurredAtUtc, DateTimeKind.Utc)), correlationId, data.RootElement);
        return JsonSerializer.SerializeToUtf8Bytes(envelope, JsonDefaults.Web);
    }
}

/// <summary>Event type names, kept from the old contract.</summary>
public static class EventTypes
{
    /// <summary>A Kintell session was completed.</summary>
    public const string SessionCompleted = "kintell.session.completed";
    /// <summary>A Kintell session was booked.</summary>
    public const string SessionScheduled = "kintell.session.scheduled";
    /// <summary>A rating was left for a session.</summary>
    public const string RatingCreated = "kintell.rating.created";
    /// <summary>A DSAR export finished.</summary>
    public const string PrivacyExportCompleted = "privacy.export.completed";
    /// <summary>A person was erased.</summary>
    public const string PrivacyUserDeleted = "privacy.user.deleted";
    /// <summary>An Impact-In delivery succeeded.</summary>
    public const string ImpactDeliverySucceeded = "impact.delivery.succeeded";
    /// <summary>An Impact-In delivery failed for good.</summary>
    public const string ImpactDeliveryFailed = "impact.delivery.failed";
    /// <summary>A backfill made progress.</summary>
    public const string BackfillProgress = "backfill.progress";
    /// <summary>A backfill finished.</summary>
    public const string BackfillCompleted = "backfill.completed";
}
