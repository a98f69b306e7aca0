using System.Text.Json;

namespace Impact.Ingest.Tests.OpenApi;

/// <summary>
/// Checks an answer against the OpenAPI document: the status is one the operation documents, the content type is the
/// documented one, and a JSON body fits the documented schema (types, formats, required and — stricter than JSON Schema's
/// default — no undeclared properties, so a field added in code but not in the document is caught).
/// </summary>
public sealed class DocumentedAnswers(JsonElement document)
{
    /// <summary>What is wrong with <paramref name="exchange"/>; empty when it is as documented.</summary>
    public IReadOnlyList<string> Check(Exchange exchange)
    {
        var errors = new List<string>();
        var at = $"{exchange.Method} {exchange.Path} ({exchange.Function}) {exchange.Status}";
        var operation = Operation(exchange.Function);
        if (!operation.GetProperty("responses").TryGetProperty(exchange.Status.ToString(System.Globalization.CultureInfo.InvariantCulture), out var response))
        {
            return [$"{at}: status not documented"];
        }

        if (!response.TryGetProperty("content", out var content))
        {
            if (exchange.Body.Length > 0)
            {
                errors.Add($"{at}: a body where none is documented");
            }

            return errors;
        }

        var mediaType = exchange.ContentType?.Split(';')[0].Trim() ?? "";
        if (!content.TryGetProperty(mediaType, out var media))
        {
            return [$"{at}: content type {mediaType} not documented"];
        }

        if (mediaType.EndsWith("json", StringComparison.Ordinal) && media.TryGetProperty("schema", out var schema))
        {
            Validate(JsonDocument.Parse(exchange.Body).RootElement, schema, at + " $", errors);
        }

        return errors;
    }

    /// <summary>The operation whose <c>operationId</c> is <paramref name="function"/>.</summary>
    public JsonElement Operation(string function) =>
        document.GetProperty("paths").EnumerateObject().SelectMany(p => p.Value.EnumerateObject())
            .Single(o => o.Value.GetProperty("operationId").GetString() == function).Value;

    private void Validate(JsonElement value, JsonElement schema, string path, List<string> errors)
    {
        if (schema.TryGetProperty("$ref", out var reference))
        {
            var name = reference.GetString()!["#/components/schemas/".Length..];
            Validate(value, document.GetProperty("components").GetProperty("schemas").GetProperty(name), path, errors);
            return;
        }

        if (!schema.TryGetProperty("type", out var type))
        {
            return; // any JSON
        }

        var types = type.ValueKind == JsonValueKind.Array ? type.EnumerateArray().Select(t => t.GetString()!).ToList() : [type.GetString()!];
        var kind = value.ValueKind switch
        {
            JsonValueKind.Object => "object",
            JsonValueKind.Array => "array",
            JsonValueKind.String => "string",
            JsonValueKind.Number => value.TryGetInt64(out _) ? "integer" : "number",
            JsonValueKind.True or JsonValueKind.False => "boolean",
            _ => "null",
        };
        if (!types.Contains(kind) && !(kind == "integer" && types.Contains("number")))
        {
            errors.Add($"{path}: {kind}, documented {string.Join("|", types)}");
            return;
        }

        if (kind == "string" && schema.TryGetProperty("format", out var format))
        {
            var text = value.GetString()!;
            var ok = format.GetString() switch
            {
                "uuid" => Guid.TryParse(text, out _),
                "date-time" => DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture, System.Globalization.DateTimeStyles.None, out _),
                _ => true,
            };
            if (!ok)
            {
                errors.Add($"{path}: '{text}' is not a {format.GetString()}");
            }
        }

        if (kind == "string" && schema.TryGetProperty("enum", out var allowed) && !allowed.EnumerateArray().Any(a => a.GetString() == value.GetString()))
        {
            errors.Add($"{path}: '{value.GetString()}' is not one of the documented values");
        }

        if (kind == "array" && schema.TryGetProperty("items", out var items))
        {
            var i = 0;
            foreach (var item in value.EnumerateArray())
            {
                Validate(item, items, $"{path}[{i++}]", errors);
            }
        }

        if (kind != "object")
        {
            return;
        }

        var properties = schema.TryGetProperty("properties", out var p) ? p : default;
        foreach (var required in schema.TryGetProperty("required", out var r) ? r.EnumerateArray().Select(x => x.GetString()!) : [])
        {
            if (!value.TryGetProperty(required, out _))
            {
                errors.Add($"{path}: required '{required}' missing");
            }
        }

        foreach (var property in value.EnumerateObject())
        {
            if (properties.ValueKind == JsonValueKind.Object && properties.TryGetProperty(property.Name, out var propertySchema))
            {
                Validate(property.Value, propertySchema, $"{path}.{property.Name}", errors);
            }
            else if (schema.TryGetProperty("additionalProperties", out var additional))
            {
                Validate(property.Value, additional, $"{path}.{property.Name}", errors);
            }
            else
            {
                errors.Add($"{path}: '{property.Name}' is not documented");
            }
        }
    }
}
