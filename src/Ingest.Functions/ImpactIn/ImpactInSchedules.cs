using Impact.Shared.Security;
using Impact.Ingest.Http;
using Impact.Orchestrations.ImpactIn;
using Impact.Shared.Http;
using Impact.Shared.ImpactIn;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;
using Microsoft.DurableTask.Client;
using Microsoft.Extensions.Options;

namespace Impact.Ingest.ImpactIn;

/// <summary>
/// CRUD on <c>/v1/impact-in/schedules</c>, run-now and preview, for the caller's company (an operator: any
/// company). Another company's schedule is a 404, as an unknown one is.
/// </summary>
public sealed class ImpactInSchedules(ScheduleStore schedules, DeliveryStore deliveries, IOptions<ImpactInOptions> options)
{
    private const string What = "Impact-In schedule";

    [RequireRole(Roles.CompanyAdmin, Roles.Operator)]
    [Body(typeof(CreateScheduleRequest))]
    [Returns(StatusCodes.Status201Created, typeof(DeliverySchedule))]
    [Problems(StatusCodes.Status404NotFound, StatusCodes.Status409Conflict)]
    [Function(nameof(ImpactInCreateSchedule))]
    public async Task<IActionResult> ImpactInCreateSchedule(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "impact-in/schedules")] HttpRequest req, CancellationToken ct)
    {
        var caller = req.Caller();
        var body = await RequestBody.ReadJsonAsync<CreateScheduleRequest>(req, ct);
        // A company administrator reports on its own company (the body may leave it out); an operator names one.
        var companyId = caller.IsOperator ? body.CompanyId : body.CompanyId ?? caller.CompanyId;
        var spec = ScheduleSpec.Parse(body.Schedule, body.TimeZone, body.Period, out var errors);
        var platform = Platforms.Normalize(body.Platform);
        if (platform is null)
        {
            errors["platform"] = [$"Give one of: {string.Join(", ", Platforms.All)}."];
        }

        if (companyId is null || companyId == Guid.Empty)
        {
            errors["companyId"] = ["Give the id of the company to report on."];
        }

        if (errors.Count > 0)
        {
            throw ProblemException.Validation("The schedule is not valid: " + string.Join(" ", errors.Values.SelectMany(v => v)), errors);
        }

        var created = await schedules.CreateAsync(new NewSchedule(companyId!.Value, platform!, spec, Blank(body.OrganizationId),
            Blank(body.ProgramId), body.Active ?? true), caller, ct);
        return ApiResults.Json(StatusCodes.Status201Created, created,
            new Dictionary<string, string> { ["Location"] = $"/v1/impact-in/schedules/{created.Id}" });
    }

    [RequireRole(Roles.CompanyAdmin, Roles.Operator)]
    [Query("companyId", typeof(Guid), Description = "Operators: only this company's.")]
    [Query("platform", typeof(string), Description = "benevity, goodera or workday.")]
    [Returns(StatusCodes.Status200OK, typeof(ScheduleList))]
    [Function(nameof(ImpactInListSchedules))]
    public async Task<IActionResult> ImpactInListSchedules(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "impact-in/schedules")] HttpRequest req, CancellationToken ct)
    {
        var q = new QueryValues(req);
        var companyId = q.Guid("companyId");
        var platform = q.OneOf("platform", Platforms.All, "platform");
        q.ThrowIfInvalid();
        return ApiResults.Json(StatusCodes.Status200OK, new ScheduleList(await schedules.ListAsync(req.Caller(), companyId, platform, ct)));
    }

    [RequireRole(Roles.CompanyAdmin, Roles.Operator)]
    [Returns(StatusCodes.Status200OK, typeof(DeliverySchedule))]
    [Function(nameof(ImpactInGetSchedule))]
    public async Task<IActionResult> ImpactInGetSchedule(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "impact-in/schedules/{id}")] HttpRequest req, string id, CancellationToken ct) =>
        ApiResults.Json(StatusCodes.Status200OK, await schedules.GetAsync(RouteIds.Guid(id, What), req.Caller(), ct));

    [RequireRole(Roles.CompanyAdmin, Roles.Operator)]
    [Body(typeof(UpdateScheduleRequest))]
    [Returns(StatusCodes.Status200OK, typeof(DeliverySchedule))]
    [Function(nameof(ImpactInUpdateSchedule))]
    public async Task<IActionResult> ImpactInUpdateSchedule(
        [HttpTrigger(AuthorizationLevel.Anonymous, "patch", Route = "impact-in/schedules/{id}")] HttpRequest req, string id, CancellationToken ct)
    {
        var scheduleId = RouteIds.Guid(id, What);
        var body = await RequestBody.ReadJsonAsync<UpdateScheduleRequest>(req, ct);
        var updated = await schedules.UpdateAsync(scheduleId, req.Caller(), current =>
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
        }, ct);
        return ApiResults.Json(StatusCodes.Status200OK, updated);
    }

    [RequireRole(Roles.CompanyAdmin, Roles.Operator)]
    [Returns(StatusCodes.Status204NoContent)]
    [Function(nameof(ImpactInDeleteSchedule))]
    public async Task<IActionResult> ImpactInDeleteSchedule(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "impact-in/schedules/{id}")] HttpRequest req, string id, CancellationToken ct)
    {
        await schedules.DeleteAsync(RouteIds.Guid(id, What), req.Caller(), ct);
        return ApiResults.NoContent();
    }

    /// <summary>Delivers the complete period before now, once: a period that already has a delivery is a 409.</summary>
    [RequireRole(Roles.CompanyAdmin, Roles.Operator)]
    [Returns(StatusCodes.Status202Accepted, typeof(Delivery), Description = "The delivery of the last complete period, started.")]
    [Problems(StatusCodes.Status409Conflict)]
    [Function(nameof(ImpactInRunScheduleNow))]
    public async Task<IActionResult> ImpactInRunScheduleNow(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "impact-in/schedules/{id}/run-now")] HttpRequest req, string id,
        [DurableClient] DurableTaskClient client, CancellationToken ct)
    {
        var caller = req.Caller();
        var schedule = await schedules.GetAsync(RouteIds.Guid(id, What), caller, ct);
        var delivery = await deliveries.CreateRunNowAsync(schedule, caller, ct);
        await client.StartDeliveryAsync(new DeliveryStart(delivery.Id, delivery.InstanceId), options.Value, ct);
        return ApiResults.Json(StatusCodes.Status202Accepted, delivery,
            new Dictionary<string, string> { ["Location"] = $"/v1/impact-in/deliveries/{delivery.Id}" });
    }

    /// <summary>The exact payload the next run would send, from the data as it is now. Nothing is sent or stored.</summary>
    [RequireRole(Roles.CompanyAdmin, Roles.Operator)]
    [Returns(StatusCodes.Status200OK, typeof(SchedulePreview))]
    [Function(nameof(ImpactInPreviewSchedule))]
    public async Task<IActionResult> ImpactInPreviewSchedule(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "impact-in/schedules/{id}/preview")] HttpRequest req, string id, CancellationToken ct) =>
        ApiResults.Json(StatusCodes.Status200OK, await schedules.PreviewAsync(RouteIds.Guid(id, What), req.Caller(), ct));

    private static string? Blank(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();
}
