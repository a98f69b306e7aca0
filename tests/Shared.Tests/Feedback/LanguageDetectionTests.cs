using System.Globalization;
using Impact.Shared.Feedback;
using Impact.Shared.Feedback.Corpus;
using Impact.Shared.Feedback.Language;
using Xunit.Abstractions;

namespace Impact.Shared.Tests.Feedback;

public sealed class LanguageDetectionTests(ITestOutputHelper output)
{
    [Fact]
    public void HeldOutShortTextsAreDetectedAtTheTargetRatesAndDecoysComeBackUnknown()
    {
        var shortTexts = FeedbackCorpus.HeldOut.Where(r => !r.IsDecoy && r.Length == "short").ToList();
        var decoys = FeedbackCorpus.HeldOut.Where(r => r.IsDecoy).ToList();

        var ours = Rates(FeedbackCorpus.Detector, shortTexts, decoys);
        var anchor = Rates(LinguaLanguageDetector.AllLanguages(), shortTexts, decoys);
        output.WriteLine($"held-out short texts: {shortTexts.Count}, decoys: {decoys.Count}");
        output.WriteLine($"restricted detector    : {Describe(ours)}");
        output.WriteLine($"Lingua, all languages  : {Describe(anchor)}  (anchor, same mapping, no thresholds)");
        foreach (var miss in shortTexts.Concat(decoys).Where(r => FeedbackCorpus.Detector.Detect(r.Text).Language != r.Language))
        {
            output.WriteLine($"  miss: {miss.Id} detected {FeedbackCorpus.Detector.Detect(miss.Text)}: {miss.Text}");
        }

        Assert.True(ours.En >= 0.98, $"EN {ours.En:P1}");
        Assert.True(ours.Uk >= 0.99, $"UK {ours.Uk:P1}");
        Assert.True(ours.No >= 0.95, $"NO {ours.No:P1}");
        Assert.True(ours.DecoysReported <= 0.01, $"decoys reported as en/uk/no: {ours.DecoysReported:P1}");
    }

    [Fact]
    public void HeldOutLongTextsAreAllDetected()
    {
        var longTexts = FeedbackCorpus.HeldOut.Where(r => !r.IsDecoy && r.Length == "long").ToList();
        var misses = longTexts.Where(r => FeedbackCorpus.Detector.Detect(r.Text).Language != r.Language).Select(r => r.Id).ToList();
        output.WriteLine($"held-out long texts: {longTexts.Count}, misses: {misses.Count}");
        Assert.Empty(misses);
    }

    [Theory]
    [InlineData("Jeg har lært mye på kurset, og mentoren min er veldig flink.", "no")]
    [InlineData("Eg har lært mykje på kurset, og mentoren min er veldig flink.", "no")]
    [InlineData("Jeg har lært meget på kurset, og min mentor er rigtig dygtig.", "unknown")]
    [InlineData("Jag har lärt mig mycket på kursen och min mentor är jätteduktig.", "unknown")]
    [InlineData("Я многому научился на курсе, мой наставник очень хороший.", "unknown")]
    [InlineData("Я багато чого навчився на курсі, мій наставник дуже хороший.", "uk")]
    [InlineData("I learned a lot on the course and my mentor is very good.", "en")]
    [InlineData("Мій наставник допоміг мені з резюме", "uk")]
    [InlineData("Мой друг помог мне найти работу", "unknown")]
    [InlineData("Это было полезно", "unknown")]
    [InlineData("Ich habe im Kurs viel gelernt und mein Mentor ist sehr gut.", "unknown")]
    [InlineData("ok", "unknown")]
    [InlineData("👍👍👍", "unknown")]
    [InlineData("", "unknown")]
    public void ReportsOnlyEnglishUkrainianAndNorwegianAndRejectsNeighbours(string text, string expected) =>
        Assert.Equal(expected, FeedbackCorpus.Detector.Detect(text).Language);

    [Fact]
    public void DetectionIsDeterministicWithAConfidenceBetweenZeroAndOne()
    {
        var other = new LinguaLanguageDetector();
        foreach (var r in FeedbackCorpus.HeldOut)
        {
            var first = FeedbackCorpus.Detector.Detect(r.Text);
            Assert.Equal(first, other.Detect(r.Text));
            Assert.InRange(first.Confidence, 0, 1);
        }
    }

    private static (double En, double Uk, double No, double DecoysReported) Rates(ILanguageDetector detector, List<CorpusRecord> texts, List<CorpusRecord> decoys)
    {
        double Rate(string language)
        {
            var set = texts.Where(r => r.Language == language).ToList();
            return set.Count(r => detector.Detect(r.Text).Language == language) / (double)set.Count;
        }

        return (Rate(LanguageGuess.English), Rate(LanguageGuess.Ukrainian), Rate(LanguageGuess.Norwegian),
            decoys.Count(r => detector.Detect(r.Text).Language != LanguageGuess.Unknown) / (double)decoys.Count);
    }

    private static string Describe((double En, double Uk, double No, double DecoysReported) r) => string.Create(CultureInfo.InvariantCulture,
        $"EN {r.En:P1}, UK {r.Uk:P1}, NO {r.No:P1}, decoys reported as en/uk/no {r.DecoysReported:P1}");
}
