using System.Text.Json;
using System.Text.Json.Serialization;

namespace Impact.Shared;

/// <summary>Serializer settings used across the app.</summary>
public static class JsonDefaults
{
    /// <summary>Our own API and events: camelCase, enums as strings, nulls omitted.</summary>
    public static readonly JsonSerializerOptions Web = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>Partner payloads as Kintell sends them: snake_case.</summary>
    public static readonly JsonSerializerOptions SnakeCase = new(JsonSerializerDefaults.Web)
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };
}
