using Impact.Shared.Feedback.Evaluation;

namespace Impact.Shared.Tests.Feedback;

public sealed class Q2QEvaluationTests
{
    [Fact]
    public void CountsGivePrecisionRecallAndF1AndMacroF1SkipsLabelsThatNeverOccurred()
    {
        string[] labels = ["a", "b", "c"];
        var counts = LabelCounts.Count(labels,
        [
            (new[] { "a" }, new[] { "a" }),
            (new[] { "a", "b" }, new[] { "a" }),
            (new string[0], new[] { "b" }),
            (new[] { "b" }, new string[0]),
        ]);

        var a = counts[0];
        var b = counts[1];
        Assert.Equal((2, 0, 0), (a.TruePositives, a.FalsePositives, a.FalseNegatives));
        Assert.Equal(1.0, a.F1);
        Assert.Equal((0, 1, 2), (b.TruePositives, b.FalsePositives, b.FalseNegatives));
        Assert.Equal(0.0, b.Precision);
        Assert.Equal(0.0, b.F1);
        Assert.False(counts[2].Defined);
        Assert.Equal(0.5, LabelCounts.MacroF1(counts));
    }

    [Fact]
    public async Task TheSameInputsGiveTheSameReportBytesWithNoTimeInThem()
    {
        var sample = FeedbackCorpus.HeldOut.Where((_, i) => i % 5 == 0).ToList();
        var classifier = FeedbackCorpus.Classifier;
        var first = await Q2QEvaluator.RunAsync("sample", sample, FeedbackCorpus.Detector, classifier, classifier.ModelId, classifier.PromptVersion);
        var second = await Q2QEvaluator.RunAsync("sample", sample.AsEnumerable().Reverse(), FeedbackCorpus.Detector, classifier, classifier.ModelId, classifier.PromptVersion);

        var json = Q2QReportWriter.ToJson(first);
        Assert.Equal(json, Q2QReportWriter.ToJson(second));
        Assert.Equal(Q2QReportWriter.ToMarkdown(first), Q2QReportWriter.ToMarkdown(second));
        Assert.DoesNotContain(DateTime.UtcNow.Year.ToString(System.Globalization.CultureInfo.InvariantCulture), json, StringComparison.Ordinal);
        Assert.Equal(sample.Count, first.Detection.Sum(g => g.Texts));
    }
}
