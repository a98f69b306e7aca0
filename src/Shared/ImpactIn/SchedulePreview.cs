using System.Text.Json;

namespace Impact.Shared.ImpactIn;

/// <summary>The payload a schedule's next run would send, built from the data as it is now.</summary>
/// <param name="ScheduleId">The schedule.</param>
/// <param name="Platform">The partner platform.</param>
/// <param name="ScheduledFor">The next run (UTC).</param>
/// <param name="Period">The period that run reports on.</param>
/// <param name="IdempotencyKey">The key that run sends (and its orchestration's instance id).</param>
/// <param name="Payload">The exact body.</param>
public sealed record SchedulePreview(Guid ScheduleId, string Platform, DateTimeOffset ScheduledFor, SchedulePreviewPeriod Period,
    string IdempotencyKey, JsonElement Payload);
