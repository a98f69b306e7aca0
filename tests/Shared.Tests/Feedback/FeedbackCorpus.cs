using Impact.Shared.Feedback.Corpus;
using Impact.Shared.Feedback.Embedded;
using Impact.Shared.Feedback.Language;
using Impact.TestSupport;

namespace Impact.Shared.Tests.Feedback;

/// <summary>The committed corpus and the expensive models, loaded once per test run.</summary>
internal static class FeedbackCorpus
{
    private static readonly Lazy<IReadOnlyList<CorpusRecord>> Records = new(() => CorpusReader.Load(Folder));
    private static readonly Lazy<LinguaLanguageDetector> LazyDetector = new(() => new LinguaLanguageDetector());
    private static readonly Lazy<EmbeddedOutcomeClassifier> LazyClassifier = new(() => new EmbeddedOutcomeClassifier());

    public static string Folder => Path.Combine(LocalServices.RepositoryRoot, "corpus");

    public static IReadOnlyList<CorpusRecord> All => Records.Value;

    public static IReadOnlyList<CorpusRecord> Training => All.Split(CorpusSplit.Train);

    public static IReadOnlyList<CorpusRecord> HeldOut => All.Split(CorpusSplit.Eval);

    public static LinguaLanguageDetector Detector => LazyDetector.Value;

    public static EmbeddedOutcomeClassifier Classifier => LazyClassifier.Value;
}
