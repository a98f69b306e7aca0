using Impact.Ingest;
using Impact.Ingest.Http;
using Impact.Orchestrations;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.Azure.Functions.Worker.OpenTelemetry;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);

builder.ConfigureFunctionsWebApplication();
builder.UseMiddleware<ProblemDetailsMiddleware>();
// Retired routes say so (Deprecation, Sunset, Link) on every answer, a refused one included.
builder.UseMiddleware<DeprecationMiddleware>();
// After the problem mapping, so a 401/403 becomes problem+json: the declared policy of every HTTP function.
builder.UseMiddleware<BearerAuthenticationMiddleware>();
// After authentication: an Idempotency-Key belongs to the caller.
builder.UseMiddleware<IdempotencyMiddleware>();
builder.ConfigureDurableWorker().AddTasks(registry => registry.AddOrchestrations());

builder.AddFunctionsAppServices();
// The invocation spans of the worker, continuing the host's trace (host.json: telemetryMode OpenTelemetry).
builder.Services.AddOpenTelemetry().UseFunctionsWorkerDefaults();

builder.Build().Run();
