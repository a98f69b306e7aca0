using System.Data.Common;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Impact.Shared.Privacy;

/// <summary>A data set of an export as JSON: an array with one object per row, column names as property names.</summary>
internal static class ExportJsonFile
{
    /// <summary>
    /// Files for people and spreadsheets, never embedded in HTML: keep "é" and quotes readable instead of \u escapes.
    /// </summary>
    public static readonly JsonSerializerOptions Options = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Writes every row of <paramref name="reader"/> to <paramref name="stream"/>; returns the number of rows.</summary>
    public static async Task<long> WriteAsync(DbDataReader reader, Stream stream, CancellationToken ct)
    {
        await using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Encoder = Options.Encoder });
        // Column names and which columns are JSON, once per data set rather than per value.
        var names = new JsonEncodedText[reader.FieldCount];
        var isJson = new bool[reader.FieldCount];
        for (var c = 0; c < reader.FieldCount; c++)
        {
            names[c] = JsonEncodedText.Encode(reader.GetName(c), Options.Encoder);
            isJson[c] = reader.GetDataTypeName(c) is "jsonb" or "json";
        }

        json.WriteStartArray();
        long rows = 0;
        while (await reader.ReadAsync(ct))
        {
            json.WriteStartObject();
            for (var c = 0; c < names.Length; c++)
            {
                json.WritePropertyName(names[c]);
                WriteValue(json, reader, c, isJson[c]);
            }

            json.WriteEndObject();
            rows++;
            if (json.BytesPending > 64 * 1024)
            {
                await json.FlushAsync(ct);
            }
        }

        json.WriteEndArray();
        await json.FlushAsync(ct);
        return rows;
    }

    private static void WriteValue(Utf8JsonWriter json, DbDataReader reader, int c, bool isJson)
    {
        if (reader.IsDBNull(c))
        {
            json.WriteNullValue();
            return;
        }

        if (isJson)
        {
            json.WriteRawValue(reader.GetString(c), skipInputValidation: true);
            return;
        }

        switch (reader.GetValue(c))
        {
            case string s: json.WriteStringValue(s); break;
            case Guid g: json.WriteStringValue(g); break;
            case DateTime d: json.WriteStringValue(DateTime.SpecifyKind(d, DateTimeKind.Utc)); break;
            case bool b: json.WriteBooleanValue(b); break;
            case short i: json.WriteNumberValue(i); break;
            case int i: json.WriteNumberValue(i); break;
            case long l: json.WriteNumberValue(l); break;
            case double d: json.WriteNumberValue(d); break;
            case decimal m: json.WriteNumberValue(m); break;
            case string[] a:
                json.WriteStartArray();
                foreach (var s in a)
                {
                    json.WriteStringValue(s);
                }

                json.WriteEndArray();
                break;
            case var other: json.WriteStringValue(Convert.ToString(other, CultureInfo.InvariantCulture)); break;
        }
    }
}
