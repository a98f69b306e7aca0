using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace Impact.Shared.Feedback.Embedded;

/// <summary>
/// The trained weights of the embedded classifier (<c>model.json</c>, an embedded resource of Shared, written by
/// <c>dotnet run --project tools/Q2Q -- train</c>): the feature vocabulary, one logistic-regression label per
/// <see cref="Q2QLabelCatalog"/> key (bias, decision threshold, sparse weights), and the ids of the texts it was
/// trained on (the manifest the tests check against the held-out split).
/// </summary>
public sealed record EmbeddedModel(
    string ModelId,
    string PromptVersion,
    string Recipe,
    IReadOnlyList<string> TrainingIds,
    IReadOnlyList<string> Features,
    IReadOnlyList<EmbeddedModel.Label> Labels)
{
    /// <summary>The model id stored with every score of this model.</summary>
    public const string CurrentModelId = "embedded-q2q-v1";

    /// <summary>The version of the feature set and training recipe (the embedded model has no prompt).</summary>
    public const string CurrentPromptVersion = "embedded-q2q-v1";

    /// <summary>Where the committed model lives, relative to the repository root.</summary>
    public const string RepositoryPath = "src/Shared/Feedback/Embedded/model.json";

    private const string ResourceName = "Impact.Shared.Feedback.Embedded.model.json";

    /// <summary>One label: its key, bias, decision threshold on the probability, number of training positives, and its non-zero weights.</summary>
    public sealed record Label(string Key, double Bias, double Threshold, int Positives, IReadOnlyList<int> Indices, IReadOnlyList<double> Weights);

    /// <summary>The model compiled into Shared.</summary>
    public static EmbeddedModel LoadEmbedded()
    {
        using var stream = typeof(EmbeddedModel).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The embedded resource {ResourceName} is missing: run `dotnet run --project tools/Q2Q -- train`.");
        return Load(stream);
    }

    /// <summary>Reads a model written by <see cref="ToJson"/>.</summary>
    public static EmbeddedModel Load(Stream stream)
    {
        using var doc = JsonDocument.Parse(stream);
        var root = doc.RootElement;
        return new EmbeddedModel(
            root.GetProperty("modelId").GetString()!,
            root.GetProperty("promptVersion").GetString()!,
            root.GetProperty("recipe").GetString()!,
            root.GetProperty("trainingIds").EnumerateArray().Select(x => x.GetString()!).ToList(),
            root.GetProperty("features").EnumerateArray().Select(x => x.GetString()!).ToList(),
            root.GetProperty("labels").EnumerateArray().Select(l => new Label(
                l.GetProperty("key").GetString()!,
                l.GetProperty("bias").GetDouble(),
                l.GetProperty("threshold").GetDouble(),
                l.GetProperty("positives").GetInt32(),
                l.GetProperty("indices").EnumerateArray().Select(x => x.GetInt32()).ToList(),
                l.GetProperty("weights").EnumerateArray().Select(x => x.GetDouble()).ToList())).ToList());
    }

    /// <summary>The model as JSON: fixed key order, invariant number format, one array per line, so the same model is the same bytes.</summary>
    public string ToJson()
    {
        var sb = new StringBuilder();
        sb.Append("{\n");
        sb.Append("  \"modelId\": ").Append(Str(ModelId)).Append(",\n");
        sb.Append("  \"promptVersion\": ").Append(Str(PromptVersion)).Append(",\n");
        sb.Append("  \"recipe\": ").Append(Str(Recipe)).Append(",\n");
        sb.Append("  \"trainingIds\": [").AppendJoin(",", TrainingIds.Select(Str)).Append("],\n");
        sb.Append("  \"features\": [").AppendJoin(",", Features.Select(Str)).Append("],\n");
        sb.Append("  \"labels\": [\n");
        for (var i = 0; i < Labels.Count; i++)
        {
            var l = Labels[i];
            sb.Append("    {\"key\": ").Append(Str(l.Key))
                .Append(", \"bias\": ").Append(Num(l.Bias))
                .Append(", \"threshold\": ").Append(Num(l.Threshold))
                .Append(", \"positives\": ").Append(l.Positives.ToString(CultureInfo.InvariantCulture))
                .Append(",\n     \"indices\": [").AppendJoin(",", l.Indices.Select(x => x.ToString(CultureInfo.InvariantCulture)))
                .Append("],\n     \"weights\": [").AppendJoin(",", l.Weights.Select(Num)).Append("]}")
                .Append(i + 1 < Labels.Count ? ",\n" : "\n");
        }

        sb.Append("  ]\n}\n");
        return sb.ToString();
    }

    private static readonly JsonSerializerOptions StringOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static string Str(string s) => JsonSerializer.Serialize(s, StringOptions);

    /// <summary>Four decimals, invariant: enough for the weights, and stable across runs.</summary>
    internal static string Num(double v) => Math.Round(v, 4).ToString("0.####", CultureInfo.InvariantCulture);
}
