using System.Globalization;
using Impact.Shared.Feedback;
using Impact.Shared.Feedback.Embedded;
using Impact.Shared.Feedback.Evaluation;
using Xunit.Abstractions;

namespace Impact.Shared.Tests.Feedback;

public sealed class EmbeddedClassifierTests(ITestOutputHelper output)
{
    /// <summary>
    /// The floor per language. Measured on the held-out split when the model was committed: EN 0.55, UK 0.55,
    /// NO 0.66 (bench/results/q2q-eval.md). A linear model trained on ~290 texts per language with 29 labels, several
    /// with fewer than 20 training examples, does not do better; the floor sits about 0.1 below the measurement so a
    /// retrained model may move a little, while a broken tokeniser, shuffled labels or a model that always answers
    /// "medium, nothing else" (macro-F1 ≈ 0.03) fail.
    /// </summary>
    private const double MacroF1Floor = 0.45;

    [Fact]
    public async Task HeldOutMacroF1PerLanguageIsAtLeastTheStatedFloor()
    {
        var classifier = FeedbackCorpus.Classifier;
        var report = await Q2QEvaluator.RunAsync("corpus (held-out)", FeedbackCorpus.HeldOut, FeedbackCorpus.Detector, classifier, classifier.ModelId, classifier.PromptVersion);

        foreach (var l in report.Classification)
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{l.Language}: {l.Texts} texts, macro-F1 {l.MacroF1:F4} over {l.Labels.Count(x => x.Defined)} labels"));
        }

        Assert.Equal(["en", "no", "uk", "all"], report.Classification.Select(l => l.Language));
        Assert.All(report.Classification, l => Assert.Equal(0, l.Unscored));
        Assert.All(report.Classification, l => Assert.True(l.MacroF1 >= MacroF1Floor, $"{l.Language}: macro-F1 {l.MacroF1:F4} < {MacroF1Floor}"));
    }

    [Fact]
    public async Task TheSameTextGivesTheSameLabelsAndEvidenceEveryTime()
    {
        var second = new EmbeddedOutcomeClassifier();
        foreach (var r in FeedbackCorpus.HeldOut.Where(r => !r.IsDecoy))
        {
            var a = await FeedbackCorpus.Classifier.ClassifyAsync(new ClassificationRequest(r.Text, r.Language, null));
            var b = await second.ClassifyAsync(new ClassificationRequest(r.Text, r.Language, null));
            Assert.Equal(Flatten(a), Flatten(b));
        }
    }

    [Fact]
    public void EvidenceQuotesTheTextAtItsPositionForEveryLabelItSupports()
    {
        var withEvidence = 0;
        foreach (var r in FeedbackCorpus.HeldOut.Where(r => !r.IsDecoy))
        {
            var labels = FeedbackCorpus.Classifier.Classify(r.Text);
            var keys = Q2QLabelCatalog.KeysOf(labels).Where(k => k != Q2QLabelCatalog.LanguageComfortPrefix + "medium").ToList();
            foreach (var e in labels.Evidence)
            {
                Assert.Equal(r.Text.Substring(e.Start, e.Length), e.Snippet);
                Assert.Contains(e.Label, keys);
            }

            Assert.Equal(keys.Count, labels.Evidence.Select(e => e.Label).Distinct().Count());
            withEvidence += labels.Evidence.Count > 0 ? 1 : 0;
        }

        Assert.True(withEvidence > 100, $"{withEvidence} texts with evidence");
    }

    [Fact]
    public async Task AnswersAsTheEmbeddedProviderWithTheModelIdAndNoTokens()
    {
        var result = await FeedbackCorpus.Classifier.ClassifyAsync(new ClassificationRequest("I practised a job interview with my mentor and feel more confident", "en", Guid.NewGuid()));

        Assert.True(result.Scored);
        Assert.Null(result.UnscoredReason);
        Assert.Equal("embedded", result.Provider);
        Assert.Equal(EmbeddedModel.CurrentModelId, result.ModelId);
        Assert.Equal(EmbeddedModel.CurrentPromptVersion, result.PromptVersion);
        Assert.Equal(0, result.InputTokens + result.OutputTokens);
        Assert.Contains("interview_prep", result.Labels!.EmployabilitySignals);
        Assert.Contains(result.Labels.Evidence, e => e.Label == "employability_signals.interview_prep" && e.Snippet.Contains("interview", StringComparison.Ordinal));
    }

    private static string Flatten(ClassificationResult r) =>
        r.Labels is null ? "unscored" : string.Join("|", Q2QLabelCatalog.KeysOf(r.Labels)) + "#" +
            string.Join("|", r.Labels.Evidence.Select(e => $"{e.Label}@{e.Start}+{e.Length}:{e.Snippet}"));
}
