using System.Text.Json;
using System.Text.Json.Serialization;
using Impact.Shared.Feedback.Corpus;
using Impact.TestSupport;

namespace Impact.Shared.Tests.Feedback.Screening;

/// <summary>
/// The labelled lines of corpus/safety/*.jsonl (see corpus/safety/README.md), each with its split: held out
/// (<see cref="CorpusSplit.Eval"/>) by the SHA-256 rule of the feedback corpus, so the acceptance figures come from
/// lines nobody changes the screener against.
/// </summary>
internal static class ScreeningCorpus
{
    public static IReadOnlyList<CorpusLine> Traps { get; } = Read("traps.jsonl");

    public static IReadOnlyList<CorpusLine> Positives { get; } = Read("positives.jsonl");

    public static IReadOnlyList<CorpusLine> PiiCases { get; } = Read("pii.jsonl");

    public static IReadOnlyList<CorpusLine> HeldOutTraps { get; } = [.. Traps.Where(l => l.Split == CorpusSplit.Eval)];

    public static IReadOnlyList<CorpusLine> HeldOutPositives { get; } = [.. Positives.Where(l => l.Split == CorpusSplit.Eval)];

    public static IReadOnlyList<CorpusLine> HeldOutPiiCases { get; } = [.. PiiCases.Where(l => l.Split == CorpusSplit.Eval)];

    private static List<CorpusLine> Read(string file) =>
        [.. File.ReadLines(Path.Combine(LocalServices.RepositoryRoot, "corpus", "safety", file))
            .Where(l => l.Length > 0)
            .Select(l => JsonSerializer.Deserialize<CorpusLine>(l)!)];
}

internal sealed record CorpusLine(
    [property: JsonPropertyName("id")] string Id,
    [property: JsonPropertyName("lang")] string Lang,
    [property: JsonPropertyName("text")] string Text,
    [property: JsonPropertyName("categories")] IReadOnlyList<string> Categories,
    [property: JsonPropertyName("pii")] IReadOnlyList<CorpusPii> Pii,
    [property: JsonPropertyName("split")] string Split,
    [property: JsonPropertyName("risk")] string? Risk = null,
    [property: JsonPropertyName("trap")] string? Trap = null,
    [property: JsonPropertyName("note")] string? Note = null);

internal sealed record CorpusPii(
    [property: JsonPropertyName("kind")] string Kind,
    [property: JsonPropertyName("start")] int Start,
    [property: JsonPropertyName("length")] int Length,
    [property: JsonPropertyName("value")] string Value);
