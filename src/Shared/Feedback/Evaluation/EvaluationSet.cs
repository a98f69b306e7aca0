using Impact.Shared.Feedback.Corpus;

namespace Impact.Shared.Feedback.Evaluation;

/// <summary>A named labelled set a model is evaluated on: the held-out split of the built-in corpus, or records sent with the request.</summary>
/// <param name="Name">Shown in the report and stored with the run.</param>
/// <param name="Records">The labelled records (decoys are skipped by the classifier part).</param>
public sealed record EvaluationSet(string Name, IReadOnlyList<CorpusRecord> Records)
{
    /// <summary>The name of the default set.</summary>
    public const string HeldOutName = "held-out";

    private static readonly Lazy<EvaluationSet> HeldOutSet = new(() =>
        new EvaluationSet(HeldOutName, CorpusReader.LoadEmbedded().Split(CorpusSplit.Eval).Where(r => !r.IsDecoy).ToList()));

    /// <summary>The held-out split (<c>split: "eval"</c>) of the corpus built into the app, labelled texts only.</summary>
    public static EvaluationSet HeldOut => HeldOutSet.Value;

    /// <summary>SHA-256 of the set's content (<see cref="Q2QEvaluator.SetHash"/>).</summary>
    public string Hash => Q2QEvaluator.SetHash(Records);
}
