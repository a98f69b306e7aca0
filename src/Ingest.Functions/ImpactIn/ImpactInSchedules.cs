using System.Globalization;
using System.Net;
using System.Text.Json;
using Impact.Orchestrations.ImpactIn;
using Impact.Shared;
using Impact.Shared.Http;
using Impact.Shared.ImpactIn;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Impact.Ingest.ImpactIn;

/// <summary>Body of <c>POST /v1/impact-in/schedules</c>.</summary>
public sealed record CreateScheduleRequest(Guid? CompanyId, string? Platform, string? Schedule, string? TimeZone, string? Period,
    string? OrganizationId, string? ProgramId, bool? Active);

/// <summary>Body of <c>PATCH /v1/impact-in/schedules/{id}</c>: fields left out keep their value.</summary>
public sealed record UpdateScheduleRequest(string? Schedule, string? TimeZone, string? Period, string? OrganizationId, string? ProgramId, bool? Active);

/// <summary>CRUD on <c>/v1/impact-in/schedules</c>, run-now and preview.</summary>
public sealed class ImpactInSchedules(ScheduleStore schedules, DeliveryStore deliveries, IOptions<ImpactInOptions> options, NpgsqlDataSource dataSource)
{
    [Function(nameof(ImpactInCreateSchedule))]
    public async Task<IActionResult> ImpactInCreateSchedule(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "impact-in/schedules")] HttpRequest req)
    {
        var body = await ReadAsync<CreateScheduleRequest>(req);
        var spec = ScheduleSpec.Parse(body.Schedule, body.TimeZone, body.Period, out var errors);
        var platform = Platforms.Normalize(body.Platform);
        if (platform is null)
        {
            errors["platform"] = [$"Give one of: {string.Join(", ", Platforms.All)}."];
        }

        if (body.CompanyId is null || body.CompanyId == Guid.Empty)
        {
            errors["companyId"] = ["Give the id of the company to report on."];
        }

        if (errors.Count > 0)
        {
            throw ProblemException.Validation("The schedule is not valid: " + string.Join(" ", errors.Values.SelectMany(v => v)), errors);
        }

        var created = await schedules.CreateAsync(new NewSchedule(body.CompanyId!.Value, platform!, spec, Blank(body.OrganizationId),
            Blank(body.ProgramId), body.Active ?? true));
        return ApiResults.Json(StatusCodes.Status201Created, created,
            new Dictionary<string, string> { ["Location"] = $"/v1/impact-in/schedules/{created.Id}" });
    }

    [Function(nameof(ImpactInListSchedules))]
    public async Task<IActionResult> ImpactInListSchedules(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "impact-in/schedules")] HttpRequest req)
    {
        var errors = new Dictionary<string, string[]>();
        var companyId = QueryParsing.Guid(req, "companyId", errors);
        var platform = QueryParsing.Platform(req, errors);
        QueryParsing.ThrowIfAny(errors);
        return ApiResults.Json(StatusCodes.Status200OK, new { items = await schedules.ListAsync(companyId, platform) });
    }

    [Function(nameof(ImpactInGetSchedule))]
    public async Task<IActionResult> ImpactInGetSchedule(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "impact-in/schedules/{id:guid}")] HttpRequest req, Guid id) =>
        ApiResults.Json(StatusCodes.Status200OK, await schedules.GetAsync(id) ?? throw NotFound(id));

    [Function(nameof(ImpactInUpdateSchedule))]
    public async Task<IActionResult> ImpactInUpdateSchedule(
        [HttpTrigger(AuthorizationLevel.Function, "patch", Route = "impact-in/schedules/{id:guid}")] HttpRequest req, Guid id)
    {
        var body = await ReadAsync<UpdateScheduleRequest>(req);
        var updated = await schedules.UpdateAsync(id, current =>
        {
            // A new preset brings its own period; otherwise the current period stays unless a new one is given.
            var spec = ScheduleSpec.Parse(body.Schedule ?? current.Schedule, body.TimeZone ?? current.TimeZone,
                body.Period ?? (body.Schedule is null ? current.Period : null), out var errors);
            if (errors.Count > 0)
            {
                throw ProblemException.Validation("The change is not valid: " + string.Join(" ", errors.Values.SelectMany(v => v)), errors);
            }

            return (spec, body.OrganizationId is null ? current.OrganizationId : Blank(body.OrganizationId),
                body.ProgramId is null ? current.ProgramId : Blank(body.ProgramId), body.Active ?? current.Active);
        });
        return ApiResults.Json(StatusCodes.Status200OK, updated ?? throw NotFound(id));
    }

    [Function(nameof(ImpactInDeleteSchedule))]
    public async Task<IActionResult> ImpactInDeleteSchedule(
        [HttpTrigger(AuthorizationLevel.Function, "delete", Route = "impact-in/schedules/{id:guid}")] HttpRequest req, Guid id) =>
        await schedules.DeleteAsync(id) ? new NoContent() : throw NotFound(id);

    /// <summary>Delivers the complete period before now, once: a period that already has a delivery is a 409.</summary>
    [Function(nameof(ImpactInRunScheduleNow))]
    public async Task<IActionResult> ImpactInRunScheduleNow(
        [HttpTrigger(AuthorizationLevel.Function, "post", Route = "impact-in/schedules/{id:guid}/run-now")] HttpRequest req, Guid id,
        [DurableClient] DurableTaskClient client)
    {
        var schedule = await schedules.GetAsync(id) ?? throw NotFound(id);
        var (delivery, created) = await deliveries.CreateRunNowAsync(schedule);
        if (!created)
        {
            throw new ProblemException(HttpStatusCode.Conflict, "Period already delivered",
                $"The {delivery.Period} {delivery.PeriodStart} to {delivery.PeriodEnd} already has delivery {delivery.Id} ({delivery.Status}). " +
                "A period is delivered once; replay that delivery if it failed.");
        }

        await client.StartDeliveryAsync(new DeliveryStart(delivery.Id, delivery.InstanceId), options.Value, req.HttpContext.RequestAborted);
        return ApiResults.Json(StatusCodes.Status202Accepted, delivery,
            new Dictionary<string, string> { ["Location"] = $"/v1/impact-in/deliveries/{delivery.Id}" });
    }

    /// <summary>The exact payload the next run would send, from the data as it is now. Nothing is sent or stored.</summary>
    [Function(nameof(ImpactInPreviewSchedule))]
    public async Task<IActionResult> ImpactInPreviewSchedule(
        [HttpTrigger(AuthorizationLevel.Function, "get", Route = "impact-in/schedules/{id:guid}/preview")] HttpRequest req, Guid id)
    {
        var schedule = await schedules.GetAsync(id) ?? throw NotFound(id);
        var subject = schedule.NextSubject();
        string payload;
        await using (var conn = await dataSource.OpenConnectionAsync(req.HttpContext.RequestAborted))
        {
            payload = await ImpactPayloads.BuildAsync(conn, subject, req.HttpContext.RequestAborted);
        }

        using var json = JsonDocument.Parse(payload);
        return ApiResults.Json(StatusCodes.Status200OK, new
        {
            scheduleId = schedule.Id,
            platform = schedule.Platform,
            scheduledFor = subject.ScheduledFor,
            period = new
            {
                kind = schedule.Period,
                start = subject.Period.Start.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                end = subject.Period.End.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
                timeZone = schedule.TimeZone,
                fromUtc = subject.Period.FromUtc,
                toUtc = subject.Period.ToUtc,
            },
            idempotencyKey = schedule.DeliveryKey(subject.Period),
            payload = json.RootElement.Clone(),
        });
    }

    internal static async Task<T> ReadAsync<T>(HttpRequest req)
    {
        // An empty or malformed body is a JsonException, which the problem mapping turns into a 400.
        return await JsonSerializer.DeserializeAsync<T>(req.Body, JsonDefaults.Web, req.HttpContext.RequestAborted)
            ?? throw new ProblemException(HttpStatusCode.BadRequest, "The body is missing", "Send a JSON object in the request body, not null.");
    }

    // NoContentResult needs MVC's services to log; this one writes the status and nothing else.
    private sealed class NoContent : IActionResult
    {
        public Task ExecuteResultAsync(ActionContext context)
        {
            context.HttpContext.Response.StatusCode = StatusCodes.Status204NoContent;
            return Task.CompletedTask;
        }
    }

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    private static ProblemException NotFound(Guid id) => ProblemException.NotFound($"There is no Impact-In schedule with id {id}.");
}
