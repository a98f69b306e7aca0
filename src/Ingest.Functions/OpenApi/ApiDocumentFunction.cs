using System.Text;
using Impact.Ingest.Http;
using Impact.Shared.Http;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Azure.Functions.Worker;

namespace Impact.Ingest.OpenApi;

/// <summary>Serves the OpenAPI document of this app (built once from the code, see <see cref="ApiDocument"/>).</summary>
public sealed class ApiDocumentFunction
{
    [PublicEndpoint]
    [Returns(StatusCodes.Status200OK, typeof(System.Text.Json.JsonElement), Description = "This document (OpenAPI 3.1).")]
    [Function(nameof(GetOpenApiDocument))]
    public IActionResult GetOpenApiDocument(
        [HttpTrigger(AuthorizationLevel.Anonymous, "get", Route = "openapi.json")] HttpRequest request) =>
        ApiResults.Bytes(StatusCodes.Status200OK, "application/json; charset=utf-8", Encoding.UTF8.GetBytes(ApiDocument.Json));
}
