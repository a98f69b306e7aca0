using System.Text.RegularExpressions;
using Impact.Shared.Feedback;
using Impact.Shared.Feedback.Corpus;

namespace Impact.Shared.Tests.Feedback;

public sealed partial class CorpusTests
{
    [Theory]
    [InlineData("en")]
    [InlineData("uk")]
    [InlineData("no")]
    public void EachLanguageHasAtLeast300ShortAnd100LongLabelledTexts(string language)
    {
        var texts = FeedbackCorpus.All.Where(r => r.Language == language).ToList();
        var shortTexts = texts.Where(r => r.Length == "short").ToList();
        var longTexts = texts.Where(r => r.Length == "long").ToList();

        Assert.True(shortTexts.Count >= 300, $"{language}: {shortTexts.Count} short texts");
        Assert.True(longTexts.Count >= 100, $"{language}: {longTexts.Count} long texts");
        Assert.All(shortTexts, r => Assert.InRange(r.Text.Length, 10, 80));
        Assert.All(longTexts, r => Assert.True(r.Text.Length > 80, r.Id));
        Assert.All(texts, r => Assert.NotNull(r.Labels));
        // Held out per language and length: about 30 %, never a token handful.
        Assert.InRange(shortTexts.Count(r => r.Split == CorpusSplit.Eval) / (double)shortTexts.Count, 0.2, 0.4);
        Assert.InRange(longTexts.Count(r => r.Split == CorpusSplit.Eval) / (double)longTexts.Count, 0.2, 0.4);
    }

    [Fact]
    public void NorwegianTextsAreMarkedBokmalOrNynorskAndBothAreThere()
    {
        var norwegian = FeedbackCorpus.All.Where(r => r.Language == LanguageGuess.Norwegian).ToList();
        Assert.All(norwegian, r => Assert.Contains(r.Variant, new[] { "nb", "nn" }));
        Assert.True(norwegian.Count(r => r.Variant == "nn") >= 100, "at least 100 Nynorsk texts");
        Assert.All(FeedbackCorpus.All.Where(r => r.Language != LanguageGuess.Norwegian), r => Assert.Null(r.Variant));
    }

    [Theory]
    [InlineData("da")]
    [InlineData("sv")]
    [InlineData("ru")]
    public void ThereAre50DecoysPerNeighbourLanguageAllExpectedAsUnknown(string source)
    {
        var decoys = FeedbackCorpus.All.Where(r => r.IsDecoy && r.SourceLanguage == source).ToList();
        Assert.Equal(50, decoys.Count);
        Assert.All(decoys, r => Assert.Equal(LanguageGuess.Unknown, r.Language));
    }

    [Fact]
    public void EverySplitIsTheOneTheIdHashRuleGivesAndIdsAndTextsAreUnique()
    {
        Assert.All(FeedbackCorpus.All, r => Assert.Equal(CorpusSplit.For(r.Id), r.Split));
        Assert.Equal(FeedbackCorpus.All.Count, FeedbackCorpus.All.Select(r => r.Id).Distinct(StringComparer.Ordinal).Count());
        Assert.Equal(FeedbackCorpus.All.Count, FeedbackCorpus.All.Select(r => Canonical(r.Text)).Distinct(StringComparer.Ordinal).Count());
    }

    [Fact]
    public void NoHeldOutTextRepeatsATrainingTextUpToCaseSpacingAndPunctuation()
    {
        var training = FeedbackCorpus.Training.Select(r => Canonical(r.Text)).ToHashSet(StringComparer.Ordinal);
        Assert.DoesNotContain(FeedbackCorpus.HeldOut, r => training.Contains(Canonical(r.Text)));
    }

    [Fact]
    public void LabelsUseOnlyTheVocabularyOfTheSpec()
    {
        foreach (var r in FeedbackCorpus.All.Where(r => !r.IsDecoy))
        {
            var l = r.Labels!;
            Assert.Contains(l.LanguageComfort, Q2QLabelCatalog.LanguageComfortValues);
            Assert.All(l.EmployabilitySignals, s => Assert.Contains(s, Q2QLabelCatalog.EmployabilitySignals));
            Assert.All(l.RiskCues, s => Assert.Contains(s, Q2QLabelCatalog.RiskCues));
            Assert.All(l.Topics, s => Assert.Contains(s, Q2QLabelCatalog.Topics));
        }

        // Every label occurs in the training part of every language, or nothing could learn it there.
        foreach (var language in new[] { "en", "uk", "no" })
        {
            var keys = FeedbackCorpus.Training.Where(r => r.Language == language).SelectMany(r => Q2QLabelCatalog.KeysOf(r.Labels!)).ToHashSet();
            Assert.All(Q2QLabelCatalog.AllKeys, k => Assert.Contains(k, keys));
        }
    }

    private static string Canonical(string text) => NonWord().Replace(text.ToLowerInvariant(), "");

    [GeneratedRegex(@"[\W_]+")]
    private static partial Regex NonWord();
}
