using Impact.Ingest;
using Impact.Ingest.Http;
using Impact.Orchestrations;
using Microsoft.Azure.Functions.Worker;
using Microsoft.Azure.Functions.Worker.Builder;
using Microsoft.DurableTask.Worker;
using Microsoft.Extensions.Hosting;

var builder = FunctionsApplication.CreateBuilder(args);

builder.ConfigureFunctionsWebApplication();
builder.UseMiddleware<ProblemDetailsMiddleware>();
// Retired routes say so (Deprecation, Sunset, Link) on every answer, a refused one included.
builder.UseMiddleware<DeprecationMiddleware>();
// After the problem mapping, so a 401/403 becomes problem+json: the declared policy of every HTTP function.
builder.UseMiddleware<BearerAuthenticationMiddleware>();
builder.ConfigureDurableWorker().AddTasks(registry => registry.AddOrchestrations());

builder.AddFunctionsAppServices();

builder.Build().Run();
