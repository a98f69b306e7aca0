using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization.Metadata;
using Microsoft.OpenApi;

namespace Impact.Ingest.OpenApi;

/// <summary>
/// JSON schemas of C# request and response types, read from System.Text.Json's own contract for the app's JSON
/// settings (<see cref="Impact.Shared.JsonDefaults.Web"/>): the same property names, the same enum spellings, and
/// the properties it really writes. Records and classes become components referenced by name; a property that may be
/// null is optional (nulls are left out of answers), every other one required.
/// </summary>
internal sealed class SchemaBuilder(OpenApiDocument document, JsonSerializerOptions appOptions)
{
    // A copy with the reflection resolver the app's serializer falls back to, so contracts can be read before any call.
    private readonly JsonSerializerOptions options = new(appOptions) { TypeInfoResolver = new DefaultJsonTypeInfoResolver() };

    private readonly SortedDictionary<string, IOpenApiSchema> components = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Type> named = new(StringComparer.Ordinal);

    /// <summary>Every component schema built so far, by name.</summary>
    public IReadOnlyDictionary<string, IOpenApiSchema> Components => components;

    /// <summary>The schema of <paramref name="type"/>: inline for scalars, lists and maps, a reference for objects and enums.</summary>
    public IOpenApiSchema For(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (Scalar(type) is { } scalar)
        {
            return scalar;
        }

        if (type.IsEnum)
        {
            return Component(type, () => new OpenApiSchema
            {
                Type = JsonSchemaType.String,
                Enum = Enum.GetValues(type).Cast<object>()
                    .Select(v => (JsonNode)JsonValue.Create(JsonSerializer.SerializeToElement(v, type, options).GetString()!)!).ToList(),
            });
        }

        var info = options.GetTypeInfo(type);
        return info.Kind switch
        {
            JsonTypeInfoKind.Enumerable => new OpenApiSchema { Type = JsonSchemaType.Array, Items = For(info.ElementType!) },
            JsonTypeInfoKind.Dictionary => new OpenApiSchema { Type = JsonSchemaType.Object, AdditionalProperties = For(info.ElementType!) },
            JsonTypeInfoKind.Object => Component(type, () => ObjectSchema(info)),
            _ => new OpenApiSchema(),
        };
    }

    private OpenApiSchema ObjectSchema(JsonTypeInfo info)
    {
        var schema = new OpenApiSchema
        {
            Type = JsonSchemaType.Object,
            Properties = new Dictionary<string, IOpenApiSchema>(StringComparer.Ordinal),
            Required = new SortedSet<string>(StringComparer.Ordinal),
        };
        foreach (var property in info.Properties.Where(p => p.Get is not null))
        {
            schema.Properties[property.Name] = For(property.PropertyType);
            var nullable = property.IsGetNullable || Nullable.GetUnderlyingType(property.PropertyType) is not null;
            if (!nullable)
            {
                schema.Required.Add(property.Name);
            }
        }

        return schema;
    }

    private OpenApiSchemaReference Component(Type type, Func<OpenApiSchema> build)
    {
        var name = SchemaName(type);
        if (named.TryGetValue(name, out var existing))
        {
            return existing == type
                ? new OpenApiSchemaReference(name, document)
                : throw new InvalidOperationException($"Two types would have the schema name {name}: {existing.FullName} and {type.FullName}. Rename one.");
        }

        named[name] = type;
        components[name] = new OpenApiSchema(); // a placeholder while a self-referencing type is walked
        components[name] = build();
        return new OpenApiSchemaReference(name, document);
    }

    private static string SchemaName(Type type) =>
        type.IsNested ? SchemaName(type.DeclaringType!) + type.Name : type.Name;

    private static OpenApiSchema? Scalar(Type type) => type switch
    {
        _ when type == typeof(string) => new() { Type = JsonSchemaType.String },
        _ when type == typeof(Guid) => new() { Type = JsonSchemaType.String, Format = "uuid" },
        _ when type == typeof(DateTime) || type == typeof(DateTimeOffset) => new() { Type = JsonSchemaType.String, Format = "date-time" },
        _ when type == typeof(DateOnly) => new() { Type = JsonSchemaType.String, Format = "date" },
        _ when type == typeof(TimeSpan) => new() { Type = JsonSchemaType.String, Description = "a duration, [d.]hh:mm:ss" },
        _ when type == typeof(bool) => new() { Type = JsonSchemaType.Boolean },
        _ when type == typeof(int) || type == typeof(short) || type == typeof(byte) => new() { Type = JsonSchemaType.Integer, Format = "int32" },
        _ when type == typeof(long) => new() { Type = JsonSchemaType.Integer, Format = "int64" },
        _ when type == typeof(double) || type == typeof(decimal) => new() { Type = JsonSchemaType.Number, Format = "double" },
        _ when type == typeof(float) => new() { Type = JsonSchemaType.Number, Format = "float" },
        _ when type == typeof(Stream) => new() { Type = JsonSchemaType.String, Format = "binary" },
        // Any JSON: a partner's payload kept as sent.
        _ when type == typeof(JsonElement) || type == typeof(JsonNode) || type == typeof(JsonDocument) || type == typeof(object) => new(),
        _ => null,
    };
}
