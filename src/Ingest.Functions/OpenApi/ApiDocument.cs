using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json.Nodes;
using Impact.Ingest.Http;
using Impact.Shared;
using Microsoft.AspNetCore.Http;
using Microsoft.OpenApi;

namespace Impact.Ingest.OpenApi;

/// <summary>
/// The OpenAPI 3.1 document of every HTTP function, built from the code: routes and methods from
/// <c>[Function]</c>/<c>[HttpTrigger]</c> (via <see cref="FunctionPolicies"/>), who may call from the policy attribute,
/// bodies, answers, query parameters and headers from <see cref="BodyAttribute"/>, <see cref="ReturnsAttribute"/>,
/// <see cref="ProblemsAttribute"/>, <see cref="QueryAttribute"/> and <see cref="HeaderAttribute"/>, schemas from the C#
/// types. A function with none of those attributes is still listed, with the problems its policy implies.
/// </summary>
public static class ApiDocument
{
    /// <summary>The host's route prefix (<c>host.json</c>: <c>extensions.http.routePrefix</c>).</summary>
    public const string RoutePrefix = "v1";

    private const string Bearer = "bearer";
    private const string KintellSignature = "kintellSignature";
    private const string StandardWebhooksSignature = "standardWebhooksSignature";
    private const string ProblemSchema = "Problem";

    // Tags are the features' folders; a new feature without a line here gets a generic description.
    private static readonly Dictionary<string, string> FeatureDescriptions = new(StringComparer.Ordinal)
    {
        ["Backfill"] = "CSV backfill of Kintell exports as durable jobs (SPEC §B).",
        ["ImpactIn"] = "Impact-In: scheduled deliveries of impact figures to CSR platforms (SPEC §D).",
        ["OpenApi"] = "This document.",
        ["Privacy"] = "GDPR data subject requests: exports and four-eyes erasures (SPEC §C).",
        ["Webhooks"] = "Partner webhooks (Kintell) and the operators' dead letters (SPEC §A).",
    };

    private static readonly Lazy<string> AppJson = new(() => ToJson(Build(FunctionPolicies.All)));

    /// <summary>The document of this app's functions, as served at <c>GET /v1/openapi.json</c> and committed in <c>docs/openapi.json</c>.</summary>
    public static string Json => AppJson.Value;

    /// <summary>The document of <paramref name="functions"/>.</summary>
    public static OpenApiDocument Build(IEnumerable<FunctionPolicy> functions)
    {
        var document = new OpenApiDocument
        {
            Info = new OpenApiInfo
            {
                Title = "Impact API",
                Version = "1",
                Description = "The HTTP API of the Impact Functions app: partner webhooks, CSV backfill, privacy requests, "
                    + "Impact-In deliveries and the operators' tools. Every route but the partner webhook and this document takes an "
                    + "OAuth2 bearer token (Entra ID); each operation names the roles that may call it (description and x-roles). "
                    + "Errors are RFC 9457 problem+json. Generated from the code; do not edit.",
            },
            Servers = [new OpenApiServer { Url = "http://localhost:7071", Description = "local (func start)" }],
            Paths = [],
            Components = new OpenApiComponents(),
        };
        var schemas = new SchemaBuilder(document, JsonDefaults.Web);
        var problem = new OpenApiSchemaReference(ProblemSchema, document);
        foreach (var route in functions.GroupBy(f => "/" + RoutePrefix + "/" + f.Route).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var item = new OpenApiPathItem { Operations = [] };
            foreach (var function in route.OrderBy(f => f.Name, StringComparer.Ordinal))
            {
                foreach (var method in function.Methods)
                {
                    item.Operations[new HttpMethod(method)] = Operation(document, schemas, problem, function);
                }
            }

            document.Paths.Add(route.Key, item);
        }

        document.Tags = functions.Select(f => Feature(f.Method!)).Distinct().Order(StringComparer.Ordinal)
            .Select(t => new OpenApiTag { Name = t, Description = FeatureDescriptions.GetValueOrDefault(t, $"The {t} functions.") }).ToHashSet();
        var components = new SortedDictionary<string, IOpenApiSchema>(schemas.Components.ToDictionary(), StringComparer.Ordinal)
        {
            [ProblemSchema] = ProblemDetails(),
        };
        document.Components.Schemas = components.ToDictionary(StringComparer.Ordinal);
        document.Components.SecuritySchemes = new Dictionary<string, IOpenApiSecurityScheme>(StringComparer.Ordinal)
        {
            [Bearer] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "JWT",
                Description = "An OAuth2 access token (Entra ID in Azure; locally `scripts/token.sh`) for the audience `Jwt:Audience`, "
                    + "with the roles the operation names in `roles` and, for company-scoped roles, the company claim (`company_id`). "
                    + "The scopes of a security requirement here are app roles: any one listed requirement lets the caller in.",
            },
            [KintellSignature] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Header,
                Name = "X-Kintell-Signature",
                Description = "Kintell's HMAC scheme: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, \"<t>.<raw body>\")>`, "
                    + "with the delivery id in `X-Delivery-Id`; the timestamp may be at most 300 s away.",
            },
            [StandardWebhooksSignature] = new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.ApiKey,
                In = ParameterLocation.Header,
                Name = "webhook-signature",
                Description = "Standard Webhooks (standardwebhooks.com): `webhook-signature: v1,<base64 HMAC-SHA256(key, \"<id>.<timestamp>.<raw body>\")>` "
                    + "with `webhook-id` and `webhook-timestamp`.",
            },
        };
        return document;
    }

    /// <summary><paramref name="document"/> as OpenAPI 3.1 JSON, LF line ends and a final newline (the committed file's bytes).</summary>
    public static string ToJson(OpenApiDocument document)
    {
        using var text = new StringWriter(CultureInfo.InvariantCulture);
        document.SerializeAsV31(new OpenApiJsonWriter(text));
        return text.ToString().Replace("\r\n", "\n", StringComparison.Ordinal) + "\n";
    }

    private static OpenApiOperation Operation(OpenApiDocument document, SchemaBuilder schemas, OpenApiSchemaReference problem, FunctionPolicy function)
    {
        var method = function.Method ?? throw new InvalidOperationException($"{function.Name} has no method to describe.");
        var bodies = method.GetCustomAttributes<BodyAttribute>().ToList();
        var queries = method.GetCustomAttributes<QueryAttribute>().ToList();
        var headers = method.GetCustomAttributes<HeaderAttribute>().ToList();
        var routeIds = function.Route.Split('/').Where(s => s.StartsWith('{')).Select(s => s.Trim('{', '}').Split(':')[0]).ToList();
        var deprecation = function.Deprecation;

        var operation = new OpenApiOperation
        {
            OperationId = function.Name,
            Summary = Words(function.Name),
            Description = Access(function) + (deprecation is null ? "" : Retired(deprecation)),
            Tags = new HashSet<OpenApiTagReference> { new(Feature(method), document) },
            Parameters = [],
            Responses = [],
            Deprecated = deprecation is not null,
            Security = Security(document, function),
            Extensions = new Dictionary<string, IOpenApiExtension>(StringComparer.Ordinal)
            {
                ["x-roles"] = new JsonNodeExtension(new JsonArray(function.Roles.Select(r => (JsonNode)JsonValue.Create(r)!).ToArray())),
            },
        };
        if (deprecation is not null)
        {
            operation.Extensions["x-sunset"] = new JsonNodeExtension(JsonValue.Create(deprecation.Sunset.UtcDateTime.ToString("r", CultureInfo.InvariantCulture)));
        }

        foreach (var id in routeIds)
        {
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = id,
                In = ParameterLocation.Path,
                Required = true,
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            });
        }

        foreach (var query in queries)
        {
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = query.Name,
                In = ParameterLocation.Query,
                Required = query.Required,
                Description = query.Description,
                Schema = schemas.For(query.Type),
            });
        }

        foreach (var header in headers)
        {
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = header.Name,
                In = ParameterLocation.Header,
                Description = header.Description,
                Schema = new OpenApiSchema { Type = JsonSchemaType.String },
            });
        }

        if (bodies.Count > 0)
        {
            operation.RequestBody = new OpenApiRequestBody
            {
                Required = true,
                Description = bodies.Select(b => b.Description).FirstOrDefault(d => d is not null),
                Content = bodies.ToDictionary(b => b.ContentType, b => (IOpenApiMediaType)new OpenApiMediaType { Schema = schemas.For(b.Type) }, StringComparer.Ordinal),
            };
        }

        var returns = method.GetCustomAttributes<ReturnsAttribute>().ToList();
        if (returns.Count == 0)
        {
            operation.Responses["200"] = new OpenApiResponse { Description = "Success (the answer's shape is not declared yet: add [Returns])." };
        }

        foreach (var answer in returns.OrderBy(r => r.Status))
        {
            operation.Responses[answer.Status.ToString(CultureInfo.InvariantCulture)] = new OpenApiResponse
            {
                Description = answer.Description ?? Reason(answer.Status),
                Content = answer.Type is null
                    ? null
                    : new Dictionary<string, IOpenApiMediaType>(StringComparer.Ordinal) { [answer.ContentType] = new OpenApiMediaType { Schema = schemas.For(answer.Type) } },
            };
        }

        foreach (var status in Problems(function, method, bodies.Count > 0, queries.Count > 0, routeIds.Count > 0))
        {
            operation.Responses[status.ToString(CultureInfo.InvariantCulture)] = new OpenApiResponse
            {
                Description = ProblemDescription(status, function),
                Content = new Dictionary<string, IOpenApiMediaType>(StringComparer.Ordinal) { ["application/problem+json"] = new OpenApiMediaType { Schema = problem } },
            };
        }

        return operation;
    }

    // The problems a function gives by its shape: its policy (401, 403), ids in its route (404: RouteIds and the
    // company scoping), a body (400, 413: RequestBody's cap) or a query (400) it parses, the database being briefly
    // away (503, ProblemMapping, for anything but the public document), and whatever it names itself.
    private static SortedSet<int> Problems(FunctionPolicy function, MethodInfo method, bool readsBody, bool readsQuery, bool hasIds)
    {
        var statuses = new SortedSet<int>(method.GetCustomAttribute<ProblemsAttribute>()?.Statuses ?? []);
        if (!function.IsPublic)
        {
            statuses.Add(StatusCodes.Status401Unauthorized);
            statuses.Add(StatusCodes.Status503ServiceUnavailable);
        }

        if (readsBody)
        {
            statuses.Add(StatusCodes.Status413PayloadTooLarge);
        }

        if (function.Roles.Count > 0)
        {
            statuses.Add(StatusCodes.Status403Forbidden);
        }

        if (hasIds)
        {
            statuses.Add(StatusCodes.Status404NotFound);
        }

        if (readsBody || readsQuery)
        {
            statuses.Add(StatusCodes.Status400BadRequest);
        }

        return statuses;
    }

    private static List<OpenApiSecurityRequirement> Security(OpenApiDocument document, FunctionPolicy function)
    {
        if (function.IsPublic)
        {
            return [];
        }

        if (function.IsPartnerWebhook)
        {
            return
            [
                new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(KintellSignature, document)] = [] },
                new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(StandardWebhooksSignature, document)] = [] },
            ];
        }

        // One requirement per role: any one of them lets the caller in (OpenAPI 3.1 allows role names as scopes).
        return function.Roles
            .Select(role => new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(Bearer, document)] = [role] })
            .ToList();
    }

    private static string Access(FunctionPolicy function) =>
        function.IsPublic ? "Access: anyone, no token."
        : function.IsPartnerWebhook ? "Access: the partner's HMAC signature over the raw body (no bearer token)."
        : $"Access: a bearer token with the role {string.Join(" or ", function.Roles)}"
          + (function.Roles.Any(r => r != Impact.Shared.Security.Roles.Operator)
              ? "; company-scoped roles see only their own company's data (another company's is a 404)."
              : ".");

    private static string Retired(DeprecatedRouteAttribute route) =>
        $" Deprecated since {route.DeprecatedAt.UtcDateTime.ToString("r", CultureInfo.InvariantCulture)}; stops answering at "
        + $"{route.Sunset.UtcDateTime.ToString("r", CultureInfo.InvariantCulture)}"
        + (route.Successor is null ? "." : $"; use /{RoutePrefix}/{route.Successor}.") + $" See {route.Link}.";

    private static string Feature(MethodInfo method) => method.DeclaringType!.Namespace!.Split('.')[^1];

    // ImpactInCreateSchedule -> "Impact in create schedule".
    private static string Words(string name)
    {
        var words = new StringBuilder();
        for (var i = 0; i < name.Length; i++)
        {
            if (i > 0 && char.IsUpper(name[i]) && !char.IsUpper(name[i - 1]))
            {
                words.Append(' ');
            }

            words.Append(i == 0 ? name[i] : char.ToLowerInvariant(name[i]));
        }

        return words.ToString();
    }

    private static string Reason(int status) => status switch
    {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No content",
        _ => ReasonPhrases(status),
    };

    private static string ReasonPhrases(int status) => Microsoft.AspNetCore.WebUtilities.ReasonPhrases.GetReasonPhrase(status) is { Length: > 0 } phrase ? phrase : "Status " + status;

    private static string ProblemDescription(int status, FunctionPolicy function) => status switch
    {
        400 => "Invalid input: `errors` names every bad field or parameter.",
        401 => function.IsPartnerWebhook
            ? "No or a wrong signature, or a timestamp more than 300 s away."
            : "No, an expired or an invalid token (`WWW-Authenticate: Bearer`).",
        403 => "A valid token without the role, or without the company claim a company-scoped role needs.",
        404 => "Unknown id, or another company's (the same answer).",
        409 => "Conflicts with the resource's current state.",
        413 => "The body is over the size limit.",
        415 => "The body's content type is not accepted.",
        422 => "The request was understood but could not be carried out.",
        429 => "A limit was reached (the company's rate limit or AI budget); `Retry-After` says in how many seconds it frees.",
        503 => "A dependency (the database or the queue) is briefly unavailable; `Retry-After` says when to try again.",
        _ => ReasonPhrases(status),
    };

    private static OpenApiSchema ProblemDetails() => new()
    {
        Type = JsonSchemaType.Object,
        Description = "RFC 9457 problem details.",
        Required = new SortedSet<string>(StringComparer.Ordinal) { "detail", "status", "title", "type" },
        Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal)
        {
            ["type"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["title"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "What went wrong, in a few words." },
            ["status"] = new OpenApiSchema { Type = JsonSchemaType.Integer, Format = "int32" },
            ["detail"] = new OpenApiSchema { Type = JsonSchemaType.String, Description = "What went wrong and what to do, for a person." },
            ["instance"] = new OpenApiSchema { Type = JsonSchemaType.String },
            ["errors"] = new OpenApiSchema
            {
                Type = JsonSchemaType.Object,
                Description = "Per field or parameter, what is wrong with it.",
                AdditionalProperties = new OpenApiSchema { Type = JsonSchemaType.Array, Items = new OpenApiSchema { Type = JsonSchemaType.String } },
            },
        },
    };
}
