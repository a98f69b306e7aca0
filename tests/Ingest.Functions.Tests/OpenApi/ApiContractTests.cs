using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Impact.Ingest.Http;
using Impact.Ingest.OpenApi;
using Impact.TestSupport;
using Impact.TestSupport.Security;
using Microsoft.AspNetCore.Http;

namespace Impact.Ingest.Tests.OpenApi;

/// <summary>
/// The OpenAPI document against what the host really indexes (the built <c>functions.metadata</c>), the committed copy,
/// an OpenAPI linter, the committed Kiota client, and the deprecation mechanism.
/// </summary>
public sealed class ApiContractTests
{
    private static string CommittedDocumentPath => Path.Combine(LocalServices.RepositoryRoot, "docs", "openapi.json");

    private static JsonElement Generated => JsonDocument.Parse(ApiDocument.Json).RootElement;

    private static IEnumerable<(string Method, string Path, string Operation)> Operations(JsonElement document) =>
        document.GetProperty("paths").EnumerateObject().SelectMany(p => p.Value.EnumerateObject()
            .Select(o => (o.Name.ToUpperInvariant(), p.Name, o.Value.GetProperty("operationId").GetString()!)));

    [Fact]
    public void TheDocumentHasEveryHttpFunctionOfFunctionsMetadataWithItsRouteAndMethodsAndNothingElse()
    {
        var prefix = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "host.json")))
            .RootElement.GetProperty("extensions").GetProperty("http").GetProperty("routePrefix").GetString();
        using var metadata = JsonDocument.Parse(File.ReadAllText(Path.Combine(AppContext.BaseDirectory, "functions.metadata")));
        var indexed = metadata.RootElement.EnumerateArray()
            .SelectMany(f => f.GetProperty("bindings").EnumerateArray().Where(b => b.GetProperty("type").GetString() == "httpTrigger")
                .SelectMany(b => b.GetProperty("methods").EnumerateArray().Select(m =>
                    (m.GetString()!.ToUpperInvariant(), $"/{prefix}/{b.GetProperty("route").GetString()}", f.GetProperty("name").GetString()!))))
            .Order().ToList();

        Assert.Equal(67, indexed.Count);
        Assert.Equal(indexed, Operations(Generated).Order().ToList());
    }

    [Fact]
    public void TheCommittedDocumentIsTheGeneratedOneByteForByte()
    {
        var committed = File.ReadAllText(CommittedDocumentPath);
        Assert.True(committed == ApiDocument.Json,
            "docs/openapi.json is not what the code generates: run `bash scripts/generate-api.sh` and commit docs/openapi.json and src/Impact.Client.");
    }

    [Fact]
    public async Task TheDocumentIsServedAnonymouslyAtV1OpenApiJson()
    {
        var function = new ApiDocumentFunction();
        var response = await HttpInvoker.InvokeAsync(HttpInvoker.Request("GET", "/v1/openapi.json", contentType: null),
            r => Task.FromResult(function.GetOpenApiDocument(r)));

        Assert.Equal(200, response.Status);
        Assert.StartsWith("application/json", response.ContentType, StringComparison.Ordinal);
        Assert.Equal(ApiDocument.Json, response.Body);
        Assert.Equal("3.1.2", response.Json.GetProperty("openapi").GetString());
        Assert.True(FunctionPolicies.Match("GET", "openapi.json").IsPublic);
    }

    [Fact]
    public void EveryBearerOperationNamesItsRolesAndTheProblemsItsPolicyImplies()
    {
        foreach (var policy in FunctionPolicies.All.Where(p => p.Roles.Count > 0))
        {
            var operation = Operations(Generated).Single(o => o.Operation == policy.Name);
            var element = Generated.GetProperty("paths").GetProperty(operation.Path).GetProperty(operation.Method.ToLowerInvariant());
            Assert.Equal(policy.Roles, element.GetProperty("x-roles").EnumerateArray().Select(r => r.GetString()!));
            Assert.Equal(policy.Roles, element.GetProperty("security").EnumerateArray().Select(s => s.GetProperty("bearer")[0].GetString()!));
            foreach (var status in new[] { "401", "403" })
            {
                Assert.True(element.GetProperty("responses").GetProperty(status).GetProperty("content").TryGetProperty("application/problem+json", out _),
                    $"{policy.Name} documents no {status} problem");
            }
        }

        var webhook = Generated.GetProperty("paths").GetProperty("/v1/webhooks/kintell/{kind}").GetProperty("post");
        Assert.Equal(["kintellSignature", "standardWebhooksSignature"], webhook.GetProperty("security").EnumerateArray().Select(s => s.EnumerateObject().Single().Name));
    }

    [Fact]
    public void AFunctionWithOnlyItsPolicyIsStillDocumentedWithTheProblemsItsShapeImplies()
    {
        var document = JsonDocument.Parse(ApiDocument.ToJson(ApiDocument.Build(FunctionPolicies.Read(typeof(SampleFunctions).Assembly)))).RootElement;

        var operation = document.GetProperty("paths").GetProperty("/v1/widgets/{id}/parts").GetProperty("get");
        Assert.Equal("ListWidgets", operation.GetProperty("operationId").GetString());
        Assert.Equal(["200", "401", "403", "404", "503"], operation.GetProperty("responses").EnumerateObject().Select(r => r.Name));
        Assert.Equal("id", operation.GetProperty("parameters")[0].GetProperty("name").GetString());
    }

    [Fact]
    public async Task ARetiredRouteAnswersWithDeprecationSunsetAndLinkHeadersAndIsDeprecatedInTheDocument()
    {
        var policies = FunctionPolicies.Read(typeof(SampleFunctions).Assembly);
        var retired = policies.Single(p => p.Name == nameof(SampleFunctions.ListGadgetsOldRoute));
        var request = HttpInvoker.Request("GET", "/v1/gizmos", contentType: null,
            headers: new Dictionary<string, string> { ["Authorization"] = TestTokens.Bearer(TestTokens.Admin(Guid.NewGuid())) });
        var access = new ApiAccess(new Impact.Shared.Security.BearerTokens(Microsoft.Extensions.Options.Options.Create(TestTokens.Local)));

        // What DeprecationMiddleware and the bearer middleware do before the function runs.
        var response = await HttpInvoker.InvokeAsync(request, async r =>
        {
            RouteDeprecation.Apply(r.HttpContext.Response.Headers, retired.Deprecation!);
            await access.AuthorizeAsync(r.HttpContext, retired);
            return await new SampleFunctions().ListGadgetsOldRoute(r);
        });

        Assert.Equal(200, response.Status);
        var deprecation = response.Headers["Deprecation"].ToString();
        Assert.Matches("^@[0-9]+$", deprecation);
        var deprecatedAt = DateTimeOffset.FromUnixTimeSeconds(long.Parse(deprecation[1..], CultureInfo.InvariantCulture));
        Assert.Equal(DateTimeOffset.Parse(SampleFunctions.DeprecatedAt, CultureInfo.InvariantCulture), deprecatedAt);
        var sunset = DateTimeOffset.ParseExact(response.Headers["Sunset"].ToString(), "r", CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal);
        Assert.Equal(DateTimeOffset.Parse(SampleFunctions.Sunset, CultureInfo.InvariantCulture), sunset);
        Assert.True(sunset >= deprecatedAt, "RFC 9745: the sunset is not earlier than the deprecation");
        var link = response.Headers["Link"].ToString();
        Assert.Matches("^<" + System.Text.RegularExpressions.Regex.Escape(SampleFunctions.Link) + ">; rel=\"deprecation\"", link);

        // The new route has none of them; the document marks only the old one deprecated, with its sunset.
        Assert.Null(policies.Single(p => p.Name == nameof(SampleFunctions.ListGadgets)).Deprecation);
        var document = JsonDocument.Parse(ApiDocument.ToJson(ApiDocument.Build(policies))).RootElement.GetProperty("paths");
        Assert.True(document.GetProperty("/v1/gizmos").GetProperty("get").GetProperty("deprecated").GetBoolean());
        Assert.Equal(response.Headers["Sunset"].ToString(), document.GetProperty("/v1/gizmos").GetProperty("get").GetProperty("x-sunset").GetString());
        Assert.False(document.GetProperty("/v1/gadgets").GetProperty("get").TryGetProperty("deprecated", out _));
    }

    [Fact]
    public void ASunsetBeforeTheDeprecationIsRefused() =>
        Assert.Throws<ArgumentException>(() => new DeprecatedRouteAttribute("2027-01-01T00:00:00Z", "2026-12-01T00:00:00Z", "https://impact.example/x").Sunset);

    [Fact]
    public void NoRouteOfTheAppIsDeprecatedYetSoNoneCarriesTheHeaders() =>
        // No route has been renamed so far (git log, README); a renamed one keeps its old function with [DeprecatedRoute].
        Assert.All(FunctionPolicies.All, p => Assert.Null(p.Deprecation));

    [Fact]
    public void AnAnswerThatDiffersFromTheDocumentIsReported()
    {
        var answers = new DocumentedAnswers(Generated);
        static Exchange Answer(int status, string body, string type = "application/json") =>
            new("GET", "/v1/webhooks/dlq", "ListDeadLetters", status, type, System.Text.Encoding.UTF8.GetBytes(body));
        const string Stats = "\"stats\":{\"total\":0,\"byEventType\":{}}";

        Assert.Empty(answers.Check(Answer(200, "{\"items\":[]," + Stats + "}")));
        Assert.Contains(answers.Check(Answer(200, "{\"items\":[]," + Stats + ",\"extra\":1}")), e => e.Contains("'extra' is not documented", StringComparison.Ordinal));
        Assert.Contains(answers.Check(Answer(200, "{" + Stats + "}")), e => e.Contains("required 'items' missing", StringComparison.Ordinal));
        Assert.Contains(answers.Check(Answer(200, "{\"items\":\"x\"," + Stats + "}")), e => e.Contains("documented array", StringComparison.Ordinal));
        Assert.Contains(answers.Check(Answer(409, "{}", "application/problem+json")), e => e.Contains("status not documented", StringComparison.Ordinal));
        Assert.Contains(answers.Check(Answer(200, "{}", "text/plain")), e => e.Contains("content type", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheDocumentPassesTheRedoclyLinterWithNoErrors()
    {
        var redocly = Path.Combine(LocalServices.RepositoryRoot, "node_modules", ".bin", "redocly");
        Assert.True(File.Exists(redocly), "The Redocly CLI is missing: `npm ci` in the repository (scripts/services.sh does it) installs it from package-lock.json.");

        var (exit, output) = await RunAsync(redocly, "lint docs/openapi.json --config redocly.yaml --format=stylish");

        Assert.True(exit == 0, "redocly lint found errors:\n" + output);
        Assert.DoesNotMatch(@"\berror\b", output.Replace("0 errors", "", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TheCommittedClientIsWhatKiotaGeneratesFromTheCommittedDocument()
    {
        var fresh = Path.Combine(Path.GetTempPath(), "impact-client-" + Guid.NewGuid().ToString("N"));
        try
        {
            var (exit, output) = await RunAsync("bash", $"scripts/generate-api.sh --client-to {fresh}");
            Assert.True(exit == 0, "Kiota could not run (the tool comes from .config/dotnet-tools.json: `dotnet tool restore`):\n" + output);

            var committed = Path.Combine(LocalServices.RepositoryRoot, "src", "Impact.Client", "Generated");
            var want = Files(fresh);
            var have = Files(committed);
            Assert.Equal(want.Keys.Order(StringComparer.Ordinal), have.Keys.Order(StringComparer.Ordinal));
            var stale = want.Where(f => f.Value != have[f.Key]).Select(f => f.Key).ToList();
            Assert.True(stale.Count == 0, "src/Impact.Client is stale (run `bash scripts/generate-api.sh`): " + string.Join(", ", stale));
        }
        finally
        {
            if (Directory.Exists(fresh))
            {
                Directory.Delete(fresh, recursive: true);
            }
        }
    }

    // The generated files by relative path; the lock file's descriptionLocation is relative to where it was written, so it is left out.
    private static Dictionary<string, string> Files(string root) =>
        Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith(".kiota.log", StringComparison.Ordinal))
            .ToDictionary(f => Path.GetRelativePath(root, f).Replace('\\', '/'),
                f => f.EndsWith("kiota-lock.json", StringComparison.Ordinal)
                    ? System.Text.RegularExpressions.Regex.Replace(File.ReadAllText(f), "\"descriptionLocation\": \"[^\"]*\"", "")
                    : File.ReadAllText(f), StringComparer.Ordinal);

    private static async Task<(int Exit, string Output)> RunAsync(string file, string arguments)
    {
        var start = new ProcessStartInfo(file, arguments)
        {
            WorkingDirectory = LocalServices.RepositoryRoot,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["NO_COLOR"] = "1";
        start.Environment["REDOCLY_TELEMETRY"] = "off";
        start.Environment["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return (process.ExitCode, await stdout + await stderr);
    }
}
