using System.Net;
using System.Text;
using Impact.Ingest.Http;
using Impact.Shared.Http;
using Impact.Shared.Journeys;
using Impact.Shared.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Impact.Ingest.Journeys;

/// <summary>
/// <c>/v1/journeys/rules</c>: the rules in force for the caller's company (the platform defaults unless the
/// company saved its own with the same id). A rule is sent as YAML or JSON (either content type); a rule that does
/// not validate is a 400 naming each field and line, and nothing is stored. Changes are audited.
/// </summary>
public sealed class JourneyRules(JourneyRuleStore rules)
{
    [RequireRole(Roles.CompanyAdmin)]
    [Returns(StatusCodes.Status200OK, typeof(JourneyRuleList))]
    [Function(nameof(JourneyListRules))]
    public async Task<IActionResult> JourneyListRules(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "journeys/rules")] HttpRequest req, CancellationToken ct) =>
        ApiResults.Json(StatusCodes.Status200OK, new JourneyRuleList(await rules.ListAsync(req.Caller(), ct)));

    [RequireRole(Roles.CompanyAdmin)]
    [Returns(StatusCodes.Status200OK, typeof(JourneyRuleView))]
    [Function(nameof(JourneyGetRule))]
    public async Task<IActionResult> JourneyGetRule(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "journeys/rules/{id}")] HttpRequest req, string id, CancellationToken ct) =>
        ApiResults.Json(StatusCodes.Status200OK, await rules.GetAsync(RuleId(id), req.Caller(), ct));

    /// <summary>Creates the company's own rule; 409 when it already has one with that id (a default's id overrides the default).</summary>
    [RequireRole(Roles.CompanyAdmin)]
    [Body(typeof(Stream), ContentType = "application/yaml", Description = "The rule as YAML (UTF-8).")]
    [Body(typeof(Stream), ContentType = "application/json", Description = "The rule as JSON (UTF-8).")]
    [Returns(StatusCodes.Status201Created, typeof(JourneyRuleView), Description = "Created; `Location` is the rule's URL.")]
    [Problems(StatusCodes.Status409Conflict)]
    [Idempotent]
    [Function(nameof(JourneyCreateRule))]
    public async Task<IActionResult> JourneyCreateRule(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "journeys/rules")] HttpRequest req, CancellationToken ct)
    {
        var (rule, source) = await ReadRuleAsync(req, null, ct);
        var saved = await rules.SaveAsync(rule, source, mustBeNew: true, req.Caller(), ct);
        return ApiResults.Json(StatusCodes.Status201Created, saved,
            new Dictionary<string, string> { ["Location"] = $"/v1/journeys/rules/{saved.Id}" });
    }

    /// <summary>Creates or replaces the company's own rule <c>{id}</c> (the body's id, if given, must match).</summary>
    [RequireRole(Roles.CompanyAdmin)]
    [Body(typeof(Stream), ContentType = "application/yaml", Description = "The rule as YAML (UTF-8).")]
    [Body(typeof(Stream), ContentType = "application/json", Description = "The rule as JSON (UTF-8).")]
    [Returns(StatusCodes.Status200OK, typeof(JourneyRuleView))]
    [Function(nameof(JourneyPutRule))]
    public async Task<IActionResult> JourneyPutRule(
        [HttpTrigger(AuthorizationLevel.Anonymous, "put", Route = "journeys/rules/{id}")] HttpRequest req, string id, CancellationToken ct)
    {
        var (rule, source) = await ReadRuleAsync(req, RuleId(id), ct);
        return ApiResults.Json(StatusCodes.Status200OK, await rules.SaveAsync(rule, source, mustBeNew: false, req.Caller(), ct));
    }

    [RequireRole(Roles.CompanyAdmin)]
    [Returns(StatusCodes.Status204NoContent, Description = "Deleted; the default of that id, if any, applies again.")]
    [Function(nameof(JourneyDeleteRule))]
    public async Task<IActionResult> JourneyDeleteRule(
        [HttpTrigger(AuthorizationLevel.Anonymous, "delete", Route = "journeys/rules/{id}")] HttpRequest req, string id, CancellationToken ct)
    {
        await rules.DeleteAsync(RuleId(id), req.Caller(), ct);
        return ApiResults.NoContent();
    }

    [RequireRole(Roles.CompanyAdmin)]
    [Returns(StatusCodes.Status200OK, typeof(JourneyRuleView))]
    [Idempotent]
    [Function(nameof(JourneyActivateRule))]
    public async Task<IActionResult> JourneyActivateRule(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "journeys/rules/{id}/activate")] HttpRequest req, string id, CancellationToken ct) =>
        ApiResults.Json(StatusCodes.Status200OK, await rules.SetActiveAsync(RuleId(id), true, req.Caller(), ct));

    [RequireRole(Roles.CompanyAdmin)]
    [Returns(StatusCodes.Status200OK, typeof(JourneyRuleView))]
    [Idempotent]
    [Function(nameof(JourneyDeactivateRule))]
    public async Task<IActionResult> JourneyDeactivateRule(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "journeys/rules/{id}/deactivate")] HttpRequest req, string id, CancellationToken ct) =>
        ApiResults.Json(StatusCodes.Status200OK, await rules.SetActiveAsync(RuleId(id), false, req.Caller(), ct));

    private static async Task<(JourneyRule Rule, string Source)> ReadRuleAsync(HttpRequest req, string? routeId, CancellationToken ct)
    {
        var bytes = await RequestBody.ReadBytesAsync(req, RuleParser.MaxLength, ct);
        string text;
        try
        {
            text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes.Span);
        }
        catch (DecoderFallbackException)
        {
            throw ProblemException.Validation("The rule is not UTF-8 text.", new Dictionary<string, string[]> { ["(body)"] = ["Send UTF-8 YAML or JSON."] });
        }

        // A route id fills in a missing id; a different one is an error rather than a silent rename.
        var rule = RuleParser.ParseRule(text, out var errors);
        if (rule is null && routeId is not null && errors.All(e => e.Field == "id" && e.Message.Contains("required", StringComparison.Ordinal)))
        {
            rule = RuleParser.ParseRule($"id: {routeId}\n{text}", out errors);
        }

        if (rule is null)
        {
            throw ProblemException.Validation("The rule is not valid: " + string.Join(" ", errors.Select(e => e + ".")),
                errors.GroupBy(e => e.Field).ToDictionary(g => g.Key, g => g.Select(e => e.ToString()).ToArray()));
        }

        if (routeId is not null && rule.Id != routeId)
        {
            throw ProblemException.Validation($"The rule's id '{rule.Id}' differs from the id in the path, '{routeId}'.",
                new Dictionary<string, string[]> { ["id"] = [$"Use '{routeId}' or leave the id out."] });
        }

        return (rule, text);
    }

    private static string RuleId(string id) => RuleParser.IsRuleId(id)
        ? id
        : throw new ProblemException(HttpStatusCode.NotFound, "Not found", $"There is no journey rule with id '{id}'.");
}

/// <summary>The answer of <c>GET /v1/journeys/rules</c>: the rules in force for the company.</summary>
public sealed record JourneyRuleList(IReadOnlyList<JourneyRuleView> Items);
