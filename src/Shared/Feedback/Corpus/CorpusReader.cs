using System.Text.Json;

namespace Impact.Shared.Feedback.Corpus;

/// <summary>Reads the labelled corpus: every <c>*.jsonl</c> file of a folder (or one file), in file-name then line order.</summary>
public static class CorpusReader
{
    /// <summary>All records of <paramref name="path"/> (a folder of <c>*.jsonl</c> files or one file).</summary>
    public static IReadOnlyList<CorpusRecord> Load(string path)
    {
        var files = Directory.Exists(path)
            ? Directory.GetFiles(path, "*.jsonl").OrderBy(f => Path.GetFileName(f), StringComparer.Ordinal).ToArray()
            : [path];
        var records = new List<CorpusRecord>();
        foreach (var file in files)
        {
            Read(Path.GetFileName(file), File.ReadLines(file), records);
        }

        return records;
    }

    /// <summary>The corpus built into this assembly (<c>corpus/*.jsonl</c> at build time), in file-name then line order.</summary>
    public static IReadOnlyList<CorpusRecord> LoadEmbedded()
    {
        const string prefix = "Impact.Shared.corpus.";
        var assembly = typeof(CorpusReader).Assembly;
        var names = assembly.GetManifestResourceNames().Where(n => n.StartsWith(prefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        if (names.Count == 0)
        {
            throw new InvalidOperationException("The corpus was not embedded at build time (no Impact.Shared.corpus.* resources).");
        }

        var records = new List<CorpusRecord>();
        foreach (var name in names)
        {
            using var reader = new StreamReader(assembly.GetManifestResourceStream(name)!);
            Read(name[prefix.Length..], Lines(reader), records);
        }

        return records;
    }

    private static IEnumerable<string> Lines(StreamReader reader)
    {
        while (reader.ReadLine() is { } line)
        {
            yield return line;
        }
    }

    private static void Read(string file, IEnumerable<string> lines, List<CorpusRecord> records)
    {
        var lineNo = 0;
        foreach (var line in lines)
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            try
            {
                records.Add(Parse(line));
            }
            catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
            {
                throw new InvalidDataException($"{file} line {lineNo}: {e.Message}", e);
            }
        }
    }

    /// <summary>The records of one split (<see cref="CorpusSplit.Train"/> or <see cref="CorpusSplit.Eval"/>).</summary>
    public static IReadOnlyList<CorpusRecord> Split(this IEnumerable<CorpusRecord> records, string split) =>
        records.Where(r => r.Split == split).ToList();

    /// <summary>Parses one JSONL line.</summary>
    public static CorpusRecord Parse(string line)
    {
        using var doc = JsonDocument.Parse(line);
        var root = doc.RootElement;
        var labels = root.TryGetProperty("labels", out var l) && l.ValueKind == JsonValueKind.Object ? ParseLabels(l) : null;
        return new CorpusRecord(
            root.GetProperty("id").GetString()!,
            root.GetProperty("text").GetString()!,
            root.GetProperty("language").GetString()!,
            OptionalString(root, "source_language"),
            OptionalString(root, "variant"),
            root.GetProperty("length").GetString()!,
            root.GetProperty("split").GetString()!,
            labels);
    }

    private static string? OptionalString(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static Q2QLabels ParseLabels(JsonElement l) => new(
        l.GetProperty("confidence_increase").GetBoolean(),
        l.GetProperty("confidence_decrease").GetBoolean(),
        l.GetProperty("belonging_increase").GetBoolean(),
        l.GetProperty("belonging_decrease").GetBoolean(),
        l.GetProperty("language_comfort").GetString()!,
        Strings(l.GetProperty("employability_signals")),
        Strings(l.GetProperty("risk_cues")),
        Strings(l.GetProperty("topics")),
        []);

    private static List<string> Strings(JsonElement array) => array.EnumerateArray().Select(x => x.GetString()!).ToList();
}
