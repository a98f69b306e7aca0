using Impact.Ingest.Http;
using Impact.Shared.Feedback.Models;
using Impact.Shared.Http;
using Impact.Shared.Security;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Impact.Ingest.Feedback;

/// <summary>The Q2Q model registry (SPEC §H), for platform operators: list, and activate a model of a provider (audited).</summary>
public sealed class ModelRegistryApi(ModelRegistry registry)
{
    [RequireRole(Roles.Operator)]
    [Returns(StatusCodes.Status200OK, typeof(ModelList))]
    [Function(nameof(ListModels))]
    public async Task<IActionResult> ListModels(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "models")] HttpRequest req, CancellationToken ct) =>
        ApiResults.Json(StatusCodes.Status200OK, new ModelList(await registry.ListAsync(ct)));

    /// <summary>
    /// Activates a model. One whose latest evaluation scored a lower macro-F1 than the model in use on the same set needs
    /// <c>{"override": true, "reason": "…"}</c> (audited with the reason); without it the answer is a 409 naming both figures.
    /// </summary>
    [RequireRole(Roles.Operator)]
    [Body(typeof(ActivateRequest), Description = "Optional: an override with its reason.")]
    [Returns(StatusCodes.Status200OK, typeof(ModelEntry), Description = "The model, now active for its provider.")]
    [Problems(StatusCodes.Status409Conflict)]
    [Idempotent]
    [Function(nameof(ActivateModel))]
    public async Task<IActionResult> ActivateModel(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "models/{id}/activate")] HttpRequest req, string id, CancellationToken ct)
    {
        var body = ModelEvaluations.HasBody(req) ? await RequestBody.ReadJsonAsync<ActivateRequest>(req, ct) : null;
        return ApiResults.Json(StatusCodes.Status200OK, await registry.ActivateAsync(id, req.Caller(), OverrideReason(body), ct));
    }

    private static string? OverrideReason(ActivateRequest? body)
    {
        if (body is null || (!body.Override && body.Reason is null))
        {
            return null;
        }

        var reason = body.Reason?.Trim();
        if (!body.Override || string.IsNullOrEmpty(reason) || reason.Length > MaxReasonLength)
        {
            var message = body.Override
                ? $"An override needs a reason of 1-{MaxReasonLength} characters: it is written to the audit log."
                : "A reason is only read with override: true.";
            throw ProblemException.Validation(message, new Dictionary<string, string[]> { [body.Override ? "reason" : "override"] = [message] });
        }

        return reason;
    }

    private const int MaxReasonLength = 500;
}

/// <summary>The answer of <c>GET /v1/models</c>: the models of the registry.</summary>
public sealed record ModelList(IReadOnlyList<ModelEntry> Items);
