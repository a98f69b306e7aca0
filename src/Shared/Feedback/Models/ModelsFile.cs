using System.Globalization;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Impact.Shared.Feedback.Models;

/// <summary>
/// Reads <c>models.yaml</c> (repository root, embedded in this assembly at build time) and checks it:
/// unique ids, known providers, an ISO 8601 <c>effective_from</c>, thresholds between 0 and 1, and at most
/// one <c>active: true</c> per provider. A broken file stops the registry sync with a message naming the entry.
/// </summary>
public static class ModelsFile
{
    private const string ResourceName = "Impact.Shared.models.yaml";

    /// <summary>The models.yaml built into the app.</summary>
    public static string EmbeddedText()
    {
        using var stream = typeof(ModelsFile).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The resource {ResourceName} is missing: models.yaml was not embedded at build time.");
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    /// <summary>Parses and validates a models.yaml document.</summary>
    /// <exception cref="FormatException">The document is invalid; the message says where.</exception>
    public static IReadOnlyList<ModelDefinition> Parse(string yaml)
    {
        FileShape? file;
        try
        {
            file = new DeserializerBuilder().WithNamingConvention(UnderscoredNamingConvention.Instance).Build().Deserialize<FileShape>(yaml);
        }
        catch (YamlDotNet.Core.YamlException e)
        {
            throw new FormatException($"models.yaml is not valid YAML for the registry (line {e.Start.Line}): {e.Message}", e);
        }

        var models = new List<ModelDefinition>();
        foreach (var (m, i) in (file?.Models ?? []).Select((m, i) => (m, i)))
        {
            var where = $"models.yaml entry {i + 1} ({m.Id ?? "no id"})";
            if (string.IsNullOrWhiteSpace(m.Id) || string.IsNullOrWhiteSpace(m.Model) || string.IsNullOrWhiteSpace(m.PromptVersion))
            {
                throw new FormatException($"{where}: id, model and prompt_version are required.");
            }

            if (!ModelProviders.All.Contains(m.Provider))
            {
                throw new FormatException($"{where}: provider '{m.Provider}' is not one of {string.Join(", ", ModelProviders.All)}.");
            }

            if (!DateTimeOffset.TryParse(m.EffectiveFrom, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var from))
            {
                throw new FormatException($"{where}: effective_from '{m.EffectiveFrom}' is not an ISO 8601 date-time.");
            }

            var thresholds = m.Thresholds ?? [];
            if (thresholds.Values.Any(v => v is < 0 or > 1 || double.IsNaN(v)))
            {
                throw new FormatException($"{where}: thresholds must be numbers from 0 to 1.");
            }

            // A paid model without a price would be metered as free: the budget could not hold.
            if (m.Price is null && m.Provider != ModelProviders.Embedded)
            {
                throw new FormatException($"{where}: a {m.Provider} model needs price.input_usd_per_1m and price.output_usd_per_1m (USD per 1,000,000 tokens).");
            }

            var price = m.Price ?? new PriceShape { InputUsdPer1m = 0, OutputUsdPer1m = 0 };
            if (price.InputUsdPer1m is not { } input || price.OutputUsdPer1m is not { } output || input < 0 || output < 0)
            {
                throw new FormatException($"{where}: price.input_usd_per_1m and price.output_usd_per_1m must both be numbers of at least 0.");
            }

            models.Add(new ModelDefinition(m.Id, m.Provider!, m.Model, m.PromptVersion, thresholds, from, m.Active, input, output));
        }

        if (models.GroupBy(m => m.Id).FirstOrDefault(g => g.Count() > 1) is { } twice)
        {
            throw new FormatException($"models.yaml names the id '{twice.Key}' more than once.");
        }

        if (models.Where(m => m.Active).GroupBy(m => m.Provider).FirstOrDefault(g => g.Count() > 1) is { } actives)
        {
            throw new FormatException($"models.yaml marks more than one {actives.Key} model active: one active model per provider.");
        }

        return models;
    }

    // YamlDotNet fills settable properties.
    private sealed class FileShape
    {
        public List<EntryShape>? Models { get; set; }
    }

    private sealed class EntryShape
    {
        public string? Id { get; set; }
        public string? Provider { get; set; }
        public string? Model { get; set; }
        public string? PromptVersion { get; set; }
        public Dictionary<string, double>? Thresholds { get; set; }
        public string? EffectiveFrom { get; set; }
        public bool Active { get; set; }
        public PriceShape? Price { get; set; }
    }

    private sealed class PriceShape
    {
        [YamlMember(Alias = "input_usd_per_1m")]
        public decimal? InputUsdPer1m { get; set; }

        [YamlMember(Alias = "output_usd_per_1m")]
        public decimal? OutputUsdPer1m { get; set; }
    }
}
