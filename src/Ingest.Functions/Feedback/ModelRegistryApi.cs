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

    [RequireRole(Roles.Operator)]
    [Returns(StatusCodes.Status200OK, typeof(ModelEntry), Description = "The model, now active for its provider.")]
    [Idempotent]
    [Function(nameof(ActivateModel))]
    public async Task<IActionResult> ActivateModel(
        [HttpTrigger(AuthorizationLevel.Anonymous, "post", Route = "models/{id}/activate")] HttpRequest req, string id, CancellationToken ct) =>
        ApiResults.Json(StatusCodes.Status200OK, await registry.ActivateAsync(id, req.Caller(), ct));
}

/// <summary>The answer of <c>GET /v1/models</c>: the models of the registry.</summary>
public sealed record ModelList(IReadOnlyList<ModelEntry> Items);
