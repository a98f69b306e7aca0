using Impact.Shared.Feedback;
using Impact.Shared.Feedback.Screening;
using Microsoft.Extensions.DependencyInjection;

namespace Impact.Shared.Tests.Feedback.Screening;

public sealed class WordScreeningTests
{
    private static readonly TextScreener Screener = new();

    [Theory]
    [InlineData("en", "fuck")]
    [InlineData("en", "fucks")]
    [InlineData("en", "fucked")]
    [InlineData("en", "fucking")]
    [InlineData("en", "fuckin")]
    [InlineData("en", "fucker")]
    [InlineData("en", "bastards")]
    [InlineData("en", "bitches")]
    [InlineData("en", "wankers")]
    [InlineData("no", "drittsekk")]
    [InlineData("no", "drittsekken")]
    [InlineData("no", "drittsekker")]
    [InlineData("no", "kukhuer")]
    [InlineData("no", "jævlane")]
    [InlineData("no", "knullet")]
    [InlineData("uk", "мудак")]
    [InlineData("uk", "мудака")]
    [InlineData("uk", "мудаком")]
    [InlineData("uk", "мудаки")]
    [InlineData("uk", "мудаків")]
    [InlineData("uk", "пизда")]
    [InlineData("uk", "пиздою")]
    [InlineData("uk", "пиздюки")]
    public void InflectedProfanityIsFound(string language, string word) =>
        Assert.True(Score(Screener.Screen($"Hmm, {word}!", language), SafetyCategories.Profanity) >= 0.3, word);

    [Theory]
    [InlineData("en", "I studied hard.")]
    [InlineData("en", "I killed it at the interview.")]
    [InlineData("en", "The class assistant from Scunthorpe reads Dickens.")]
    [InlineData("en", "Passing, passed, assessed, classes.")]
    [InlineData("no", "Faget og fagene, hell og lykke, til slutt.")]
    [InlineData("no", "Vi lærte å negere setninger; hakkespetten pikket.")]
    [InlineData("no", "Ingen liker regn. Vi tar livet med ro.")]
    [InlineData("uk", "Страхуйте, розрахуйте, порахую, перерахуйте.")]
    [InlineData("uk", "Модель корабля, шабля, гребля, Херсона.")]
    [InlineData("uk", "Пташка сиділа на суку. Треба вбити цвях.")]
    public void InnocentInflectedWordsWithOffensiveLettersInsideAreNotFound(string language, string text)
    {
        var result = Screener.Screen(text, language);
        Assert.Equal((0.0, 0.0, RiskLevel.None), (Score(result, SafetyCategories.Profanity), Score(result, SafetyCategories.Toxic), result.Risk));
    }

    [Theory]
    [InlineData("f*ck this")]
    [InlineData("f**king hell")]
    [InlineData("sh1t happens")]
    [InlineData("$hit happens")]
    [InlineData("fuuuuuck")]
    [InlineData("FUCKING GREAT")]
    [InlineData("a$$hole")]
    [InlineData("shiiiiit")]
    public void CommonObfuscationsAreSeenThrough(string text) =>
        Assert.True(Score(Screener.Screen(text, "en"), SafetyCategories.Profanity) >= 0.3, text);

    [Theory]
    [InlineData("Great session, thank you!", RiskLevel.None)]
    [InlineData("Damn, I missed the bus.", RiskLevel.Low)]               // mild profanity 0.3
    [InlineData("This fucking form.", RiskLevel.Medium)]                 // strong profanity 0.7
    [InlineData("fuck shit cunt bitch wanker twat bollocks", RiskLevel.Medium)] // profanity alone is capped at 0.85: queued, never held
    [InlineData("You are an idiot.", RiskLevel.Medium)]                  // harassment 0.65
    [InlineData("I will kill you.", RiskLevel.High)]                     // direct threat 0.95
    [InlineData("I want to die.", RiskLevel.High)]                       // self-harm cue 0.9
    [InlineData("Jeg skal drepe deg.", RiskLevel.High)]
    [InlineData("Я тебе вб'ю.", RiskLevel.High)]
    [InlineData("Visit www.example.com", RiskLevel.Low)]                 // one link 0.4
    public void RiskFollowsTheHighestCategoryScoreAtTheSpecThresholds(string text, RiskLevel risk)
    {
        var result = Screener.Screen(text);
        var highest = result.Scores.Max(s => s.Score);
        Assert.Equal(risk, result.Risk);
        Assert.Equal(risk, highest switch { >= 0.9 => RiskLevel.High, >= 0.6 => RiskLevel.Medium, >= 0.3 => RiskLevel.Low, _ => RiskLevel.None });
    }

    [Fact]
    public void EveryResultScoresAllFourCategoriesInTheirFixedOrder()
    {
        var result = Screener.Screen("hello");
        Assert.Equal(SafetyCategories.All, result.Scores.Select(s => s.Category));
        Assert.All(result.Scores, s => Assert.Equal((0.0, 0), (s.Score, s.Reasons.Count)));
    }

    [Fact]
    public void ReasonsNameTheLexiconEntryNotTheWordsOfTheText()
    {
        var result = Screener.Screen("FUUUCKING hell, I'm gonna kill ya", "en");
        Assert.Equal(["fuck"], result.Scores.Single(s => s.Category == SafetyCategories.Profanity).Reasons);
        Assert.Contains("kill you", result.Scores.Single(s => s.Category == SafetyCategories.Toxic).Reasons);
    }

    [Fact]
    public void APhraseDoesNotMatchAcrossASentenceBreak()
    {
        Assert.Equal(0, Score(Screener.Screen("We talked about whom to kill. You know, in the game.", "en"), SafetyCategories.Toxic));
        Assert.True(Score(Screener.Screen("I will kill you", "en"), SafetyCategories.Toxic) >= 0.9);
    }

    [Fact]
    public void ASelfHarmPhraseFollowedByAPlaceIsNotACue()
    {
        Assert.Equal(0, Score(Screener.Screen("I don't want to live in Oslo.", "en"), SafetyCategories.Toxic));
        Assert.Equal(0.9, Score(Screener.Screen("I don't want to live.", "en"), SafetyCategories.Toxic));
    }

    [Fact]
    public void SpamSignalsCombineLinksPromotionRepeatsAndShouting()
    {
        var result = Screener.Screen("BUY NOW!!!!!! CLICK HERE http://win.example.top AND www.casino.example.com");
        var spam = result.Scores.Single(s => s.Category == SafetyCategories.Spam);
        Assert.Equal(RiskLevel.High, result.Risk);
        Assert.Superset(new HashSet<string>(["buy now", "click here", "link", "repeated characters", "all caps"]), spam.Reasons.ToHashSet());
        Assert.Equal(0, Score(Screener.Screen("Thanks for the session about the asp.net course, see you next week."), SafetyCategories.Spam));
    }

    [Fact]
    public void TheSameTextAlwaysScreensTheSame()
    {
        const string text = "Faen, ring meg på 412 34 567 eller skriv til kari@firma.no, jeg skal drepe deg!!!!!!";
        var first = Screener.Screen(text, "no");
        var second = new TextScreener().Screen(text, "no");
        Assert.Equal(first.Risk, second.Risk);
        Assert.Equal(first.MaskedText, second.MaskedText);
        Assert.Equal(first.Pii, second.Pii);
        Assert.Equal(first.Scores.Select(s => (s.Category, s.Score, string.Join(",", s.Reasons))), second.Scores.Select(s => (s.Category, s.Score, string.Join(",", s.Reasons))));
    }

    [Fact]
    public void AddSafetyScreeningRegistersOneScreenerForEveryone()
    {
        using var provider = new ServiceCollection().AddSafetyScreening().BuildServiceProvider();
        var screener = provider.GetRequiredService<ITextScreener>();
        Assert.IsType<TextScreener>(screener);
        Assert.Same(screener, provider.GetRequiredService<ITextScreener>());
    }

    private static double Score(ScreeningResult result, string category) => result.Scores.Single(s => s.Category == category).Score;
}
