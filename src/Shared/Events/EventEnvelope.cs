using System.Text.Json;

namespace Impact.Shared.Events;

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
